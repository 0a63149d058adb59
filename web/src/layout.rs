//! The frame of every public page: header, navigation, footer, and the
//! one stylesheet the binary serves (`/assets/blockwatt.css`).

use maud::{html, Markup, DOCTYPE};

use crate::theme::{palette_css, BASIS_CSS, CHART_CSS};

/// Where the stylesheet is served.
pub const STYLESHEET_PATH: &str = "/assets/blockwatt.css";

/// Where the icon is served (named in every page, so browsers do not ask
/// for a `/favicon.ico` that is not there).
pub const ICON_PATH: &str = "/assets/icon.svg";

/// The icon: a green bolt on a rounded square.
pub const ICON_SVG: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#1a6b3c"/><path d="M18 4 8 18h7l-2 10 11-15h-7z" fill="#fff"/></svg>"##;

const PAGE_CSS: &str = "*{box-sizing:border-box}html{background:var(--bg);color:var(--fg)}body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}a{color:var(--link)}a:focus-visible{outline:2px solid var(--link);outline-offset:2px}.wrap{max-width:72rem;margin:0 auto;padding:0 1rem}header.site{border-bottom:1px solid var(--line)}header.site .wrap{display:flex;flex-wrap:wrap;align-items:baseline;gap:.3rem 1.2rem;padding-top:.7rem;padding-bottom:.7rem}header.site .brand{font-weight:700;font-size:1.15rem;color:var(--fg);text-decoration:none}nav ul{display:flex;flex-wrap:wrap;gap:.2rem 1rem;list-style:none;margin:0;padding:0}main{padding:1rem 0 2rem;overflow-wrap:break-word}blockquote{margin:.5rem 0;padding-left:1rem;border-left:3px solid var(--line);overflow-wrap:anywhere}h1{font-size:1.8rem;line-height:1.2;margin:.6rem 0}h2{font-size:1.3rem;margin:1.6rem 0 .5rem}.lede{color:var(--muted);max-width:48rem}.muted{color:var(--muted)}.table-scroll{overflow-x:auto;max-width:100%}table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid var(--line);vertical-align:top}td.num{text-align:right;white-space:nowrap}td.num small{display:block;color:var(--muted)}.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,20rem),1fr));gap:1rem}.panel{border:1px solid var(--line);border-radius:8px;padding:.8rem 1rem;min-width:0}.panel h3{margin:0 0 .2rem;font-size:1.05rem}.big{font-size:1.5rem;font-weight:700}dl.inputs{display:grid;grid-template-columns:minmax(8rem,max-content) 1fr;gap:.2rem 1rem}dl.inputs dt{font-weight:600}dl.inputs dd{margin:0;overflow-wrap:anywhere;font-family:ui-monospace,monospace;font-size:.85rem}@media (max-width:40rem){dl.inputs{grid-template-columns:1fr}dl.inputs dd{margin-bottom:.4rem}}footer.site{border-top:1px solid var(--line);color:var(--muted);font-size:.9rem;padding:1rem 0 2rem}code{font-family:ui-monospace,monospace;overflow-wrap:anywhere}pre{overflow-x:auto;max-width:100%;white-space:pre-wrap}.snippet{margin:.8rem 0}.snippet label{display:block;font-weight:600}.snippet textarea{width:100%;font:.85rem/1.4 ui-monospace,monospace;background:var(--bg);color:var(--fg);border:1px solid var(--line);border-radius:6px;padding:.4rem;resize:vertical}ul.badges{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.5rem}ul.badges li{max-width:100%}ul.badges img{max-width:100%;height:auto}select,button{font:inherit}";

/// The stylesheet's text.
pub fn stylesheet() -> String {
    format!("{}{PAGE_CSS}{BASIS_CSS}{CHART_CSS}", palette_css())
}

/// A page: `title` for the tab, `body` inside `<main>`.
pub fn page(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                link rel="stylesheet" href=(STYLESHEET_PATH);
                link rel="icon" href=(ICON_PATH) type="image/svg+xml";
            }
            body {
                header.site {
                    div.wrap {
                        a.brand href="/" { "blockwatt" }
                        nav aria-label="Site" {
                            ul {
                                li { a href="/" { "Chains" } }
                                li { a href="/indices" { "Daily indices" } }
                                li { a href="/methodology" { "Methodology" } }
                                li { a href="/docs" { "API" } }
                                li { a href="/widgets" { "Widgets" } }
                            }
                        }
                    }
                }
                main.wrap { (body) }
                footer.site {
                    div.wrap {
                        "blockwatt: open estimates of the energy, carbon, water and e-waste footprint of public blockchains. "
                        "Every figure has lower, best and upper bounds, a named and versioned method, and says how it was obtained and how old its data is. "
                        a href="/openapi.json" { "OpenAPI" } " · "
                        a href="/v1/chains?format=csv" { "chains as CSV" }
                    }
                }
            }
        }
    }
}
