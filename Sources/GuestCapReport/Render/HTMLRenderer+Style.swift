/// The page's style sheet, inline so the page needs nothing else.
extension HTMLRenderer {
    static let css = """
        :root{--bad:#b3261e;--crit:#7f1d1d;--warn:#a15c00;--good:#1b6e3a;--dim:#666;--line:#ddd}
        body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1d1d1f;max-width:1400px}
        h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:2px solid #222;padding-bottom:2px}
        h3{font-size:15px;margin:18px 0 6px}.sub{margin:2px 0;color:#333}code{font:12px ui-monospace,Menlo,Consolas,monospace}
        .cards{display:flex;flex-wrap:wrap;gap:10px}.card{border:1px solid var(--line);border-radius:6px;padding:8px 14px;min-width:88px}
        .card .n{display:block;font-size:24px;font-weight:700}.card.bad .n{color:var(--bad)}.card.warn .n{color:var(--warn)}
        .card.good .n{color:var(--good)}.note{color:var(--dim);font-size:12px}.dim{color:var(--dim)}
        .good-t{color:var(--good);font-weight:600}.bad-t{color:var(--bad)}
        table{border-collapse:collapse}table.kv th{text-align:left;padding:2px 14px 2px 0;color:#444;font-weight:600}
        table.grid{width:100%;font-size:13px}table.grid th,table.grid td{border-bottom:1px solid var(--line);padding:3px 6px;text-align:left;vertical-align:top}
        table.grid thead th{background:#f3f3f3}.scroll{overflow-x:auto}
        table.matrix{font-size:12px}table.matrix td,table.matrix th{border:1px solid var(--line);padding:2px 4px}
        table.matrix th.rot{height:120px;vertical-align:bottom;padding:0 2px;white-space:nowrap}
        table.matrix th.rot div{writing-mode:vertical-rl;transform:rotate(180deg);font-weight:500}
        table.matrix th.immunity div{color:#124}table.matrix th.mitigation div{color:#413}
        th.gname{text-align:left;white-space:nowrap;font-weight:600}.src{color:var(--dim);font-weight:400;margin-left:6px;font-size:11px}
        .cell{text-align:center;min-width:18px;font-weight:700}.cell.ok{background:#e3f4e8;color:var(--good)}
        .cell.bad{background:#fbe1df;color:var(--bad)}.cell.miss{color:#999;font-weight:400}.cell.hidden{background:#f2f2f2;color:#888;font-weight:400}
        tr.jrow td{border-bottom:2px solid #444}.legend .cell{display:inline-block;padding:0 4px;border:1px solid var(--line)}
        .sev,.st{display:inline-block;border-radius:3px;padding:0 5px;font-size:11px;font-weight:700;text-transform:uppercase;color:#fff}
        .sev.critical{background:var(--crit)}.sev.error{background:var(--bad)}.sev.warning{background:var(--warn)}
        .sev.notice{background:#2b5c9e}.sev.info{background:#888}.st.violating{background:var(--bad)}.st.compliant{background:var(--good)}
        .st.waived{background:var(--warn)}.st.unreadable{background:#555}tr.finding.resolved{color:var(--dim)}
        .origin{color:#444}.msg{max-width:520px}table.findings td:first-child,table.findings td:nth-child(6),table.findings td:nth-child(7){white-space:nowrap}
        .gantt{margin:8px 0 14px}.axis{display:flex;justify-content:space-between;margin-left:280px;font-size:11px;color:var(--dim)}
        .bar-row{display:flex;align-items:center;height:16px;font-size:11px}.bar-label{width:280px;overflow:hidden;white-space:nowrap;text-overflow:ellipsis}
        .bar-track{position:relative;flex:1;height:10px;background:#f4f4f4}.bar{position:absolute;top:0;height:10px;border-radius:2px}
        .bar.critical{background:var(--crit)}.bar.error{background:var(--bad)}.bar.warning{background:var(--warn)}
        .bar.waived{opacity:.45}.bar.resolved{opacity:.6}
        tr.ev.critical td:nth-child(2),tr.ev.error td:nth-child(2){color:var(--bad);font-weight:600}tr.ev.resolved td:nth-child(2){color:var(--good)}
        footer{margin-top:28px;color:var(--dim);font-size:12px;border-top:1px solid var(--line);padding-top:6px}
        @media print{body{margin:0;max-width:none;font-size:11px}.scroll{overflow:visible}h2{break-after:avoid}tr{break-inside:avoid}
        .cell.ok,.cell.bad,.sev,.st,.bar{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
        """

    /// Styles for the *asks for* rows, only on pages that have one (the others keep their bytes).
    static let requestCSS = """
        th.ask{font-weight:400;font-style:italic;padding-left:14px}.cell.asked{color:#888;font-weight:400}
        .cell.drop{background:#fff4e0;color:var(--warn)}
        """
}
