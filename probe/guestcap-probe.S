/*
 * guestcap-probe: a multiboot kernel that reports what the guest is told.
 *
 * It prints one line on COM1 and ends the VM:
 *   guestcap-probe visible=1 msr10a=0x000000000c0000eb
 *   guestcap-probe visible=0 msr10a=none
 * visible is CPUID.(EAX=7,ECX=0):EDX[29]; MSR 0x10a is read only when it is set,
 * since rdmsr of an MSR the CPU does not enumerate faults. 32-bit protected mode,
 * no paging, no interrupts: what a multiboot loader (QEMU -kernel, libvirt <kernel>)
 * and a PVH loader (Firecracker) both hand over.
 */
        .set MB_MAGIC, 0x1BADB002
        .set MB_FLAGS, 0
        .set COM1, 0x3f8

        .section .multiboot, "a"
        .align 4
        .long MB_MAGIC
        .long MB_FLAGS
        .long -(MB_MAGIC + MB_FLAGS)

        /* Xen PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY = 18): how Firecracker boots an ELF in 32-bit mode. */
        .section .note.Xen, "a", @note
        .align 4
        .long 4, 4, 18
        .asciz "Xen"
        .long _start

        .text
        .code32
        .globl _start
_start:
        cli
        movl    $stack_top, %esp
        call    serial_init
        movl    $msg_head, %esi
        call    puts

        /* Leaf 7 exists only when the maximum basic leaf is 7 or more. */
        xorl    %eax, %eax
        cpuid
        cmpl    $7, %eax
        jb      not_visible
        movl    $7, %eax
        xorl    %ecx, %ecx
        cpuid
        btl     $29, %edx
        jnc     not_visible

        movl    $msg_visible, %esi
        call    puts
        movl    $0x10a, %ecx
        rdmsr
        pushl   %eax
        movl    %edx, %eax
        call    puthex32
        popl    %eax
        call    puthex32
        jmp     done

not_visible:
        movl    $msg_invisible, %esi
        call    puts

done:
        movl    $msg_end, %esi
        call    puts
        /* QEMU's isa-debug-exit (iobase 0x501) when present: exit status (0x10<<1)|1 = 33. */
        movw    $0x501, %dx
        movb    $0x10, %al
        outb    %al, %dx
        /* ACPI power off where PM1a control sits at 0x604 (QEMU q35); elsewhere the caller destroys the VM. */
        movw    $0x604, %dx
        movw    $0x2000, %ax
        outw    %ax, %dx
        /* Keyboard-controller reset: Firecracker stops, libvirt's <on_reboot>destroy ends the guest. */
        movb    $0xfe, %al
        outb    %al, $0x64
halt:
        hlt
        jmp     halt

/* outb_to PORT, VALUE: one byte to one I/O port (clobbers %al, %dx). */
        .macro outb_to port, value
        movw    $\port, %dx
        movb    $\value, %al
        outb    %al, %dx
        .endm

/* 115200 8N1, FIFO on; harmless on an emulated UART that ignores the divisor. */
serial_init:
        outb_to COM1+1, 0x00    /* interrupts off */
        outb_to COM1+3, 0x80    /* DLAB on: the next two ports are the divisor */
        outb_to COM1, 0x01      /* divisor 1: 115200 baud */
        outb_to COM1+1, 0x00
        outb_to COM1+3, 0x03    /* DLAB off, 8N1 */
        outb_to COM1+2, 0xc7    /* FIFO on and cleared, 14-byte threshold */
        ret

/* putc: %al to COM1 once the transmitter is empty. Keeps %eax. */
putc:
        pushl   %eax
        movw    $COM1+5, %dx
1:      inb     %dx, %al
        testb   $0x20, %al
        jz      1b
        popl    %eax
        movw    $COM1, %dx
        outb    %al, %dx
        ret

/* puts: the NUL-terminated string at %esi. */
puts:
        lodsb
        testb   %al, %al
        jz      1f
        call    putc
        jmp     puts
1:      ret

/* puthex32: %eax as eight lower-case hex digits. */
puthex32:
        movl    %eax, %ebx
        movl    $8, %ecx
1:      roll    $4, %ebx
        movl    %ebx, %eax
        andl    $0xf, %eax
        movb    hexdigits(%eax), %al
        call    putc
        loop    1b
        ret

        .section .rodata
hexdigits:      .ascii "0123456789abcdef"
msg_head:       .asciz "\r\nguestcap-probe "
msg_visible:    .asciz "visible=1 msr10a=0x"
msg_invisible:  .asciz "visible=0 msr10a=none"
msg_end:        .asciz "\r\n"

        .bss
        .align 16
        .space 4096
stack_top:
