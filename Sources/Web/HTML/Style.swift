import Mail
import Support

/// The one stylesheet, inlined in every page and allowed by hash in the Content-Security-Policy
/// (so no other style, and no script at all, can run). Light and dark follow the reader's
/// `prefers-color-scheme`; bodies are monospace and wrap long lines.
enum Style {
    static let css = """
        :root{color-scheme:light dark;--bg:#fcfcfa;--fg:#1f2328;--mute:#656d76;--link:#0a58ca;--vis:#6f42c1;--rule:#d8dee4;\
        --q:#4c6275;--qbar:#b6c4d1;--add:#116329;--addb:#e8f8ec;--del:#82071e;--delb:#fdecea;--hunk:#0550ae;--dh:#3d444d;\
        --hi:#fff5b1;--card:#f3f4f1}
        @media (prefers-color-scheme:dark){:root{--bg:#15171a;--fg:#e3e5e8;--mute:#9198a1;--link:#7cb0ff;--vis:#c4a2ff;\
        --rule:#30363d;--q:#9db3c8;--qbar:#3b4d5e;--add:#7ee2a0;--addb:#0f2a1a;--del:#ffa8a0;--delb:#321416;--hunk:#82b9ff;\
        --dh:#c9d1d9;--hi:#4a4017;--card:#1c1f23}}
        *{box-sizing:border-box}
        html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
        body{margin:0 auto;max-width:62rem;padding:.5rem 1rem 2rem;background:var(--bg);color:var(--fg);\
        font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
        pre,code,kbd{font-family:ui-monospace,"SF Mono","DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:.875rem;line-height:1.45}
        pre{white-space:pre-wrap;overflow-wrap:anywhere;margin:.75rem 0;tab-size:8}
        a{color:var(--link);text-decoration-thickness:1px;text-underline-offset:2px}
        a:visited{color:var(--vis)}
        :target{background:var(--hi)}
        hr{border:0;border-top:1px solid var(--rule);margin:1.25rem 0}
        header.top{display:flex;flex-wrap:wrap;gap:.25rem 1.25rem;align-items:baseline;justify-content:space-between;\
        border-bottom:1px solid var(--rule);padding:.25rem 0 .6rem;margin-bottom:.75rem}
        header.top .title{font-weight:600;font-size:1.05rem}
        header.top .title a{color:var(--fg);text-decoration:none}
        header.top nav{font-size:.9rem}
        header.top nav a{margin-left:.1rem;margin-right:.4rem}
        h1{font-size:1.3rem;line-height:1.3;margin:.5rem 0 .75rem;overflow-wrap:anywhere}
        h2{font-size:1.05rem;margin:1.25rem 0 .5rem}
        .hdrs{color:var(--mute)}
        .hdrs b{color:var(--fg);font-weight:600}
        .msg{background:var(--card);border:1px solid var(--rule);border-radius:6px;padding:.25rem .9rem;margin:.75rem 0}
        .q{color:var(--q);display:inline-block;width:100%;border-left:3px solid var(--qbar);padding-left:.5rem;margin-left:-.75rem}
        .add{color:var(--add);background:var(--addb)}
        .del{color:var(--del);background:var(--delb)}
        .hunk{color:var(--hunk)}
        .dh{color:var(--dh);font-weight:700}
        .att{color:var(--mute)}
        .warn{color:var(--del);font-weight:600}
        .nav{font-size:.95rem}
        .skel b{font-weight:700}
        .muted,footer{color:var(--mute)}
        footer{font-size:.85rem;margin-top:2rem}
        ul.th{list-style:none;margin:0;padding-left:.75rem;border-left:2px solid var(--rule)}
        ul.th>li{margin:0}
        table.ib{border-collapse:collapse;width:100%}
        table.ib td,table.ib th{text-align:left;padding:.4rem .5rem;border-bottom:1px solid var(--rule);vertical-align:top}
        .topics a.s{font-weight:600}
        .series{background:var(--card);border:1px solid var(--rule);border-radius:6px;padding:.3rem .9rem;font-size:.9rem}
        .crash{background:var(--card);border:1px solid var(--rule);border-left:4px solid var(--del);border-radius:6px;\
        padding:.1rem .9rem;font-size:.9rem;margin:.5rem 0}.crash p{margin:.4rem 0}
        @media (max-width:600px){body{padding:.4rem .6rem 1.5rem;font-size:15px}pre,code{font-size:.8rem}\
        .msg{padding:.15rem .55rem;border-radius:4px}.q{margin-left:-.4rem;padding-left:.35rem}}
        """

    /// `sha256-…` of the stylesheet, for the Content-Security-Policy.
    static let hash: String = {
        var h = SHA256()
        h.update(css)
        return "sha256-" + Digest.base64(h.finalize())
    }()

    /// No scripts, no plug-ins, no frames, no remote anything; only this stylesheet.
    static let contentSecurityPolicy =
        "default-src 'none'; style-src '\(hash)'; img-src 'none'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
}
