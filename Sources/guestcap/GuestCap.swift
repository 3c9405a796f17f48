@main
struct GuestCap {
    static func main() {}
}
