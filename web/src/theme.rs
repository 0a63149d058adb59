//! Colours for light and dark pages, as CSS custom properties: one palette
//! for the cards (inlined, so a card is one request) and the pages (the
//! stylesheet). Text colours hold a contrast of at least 4.5:1 (WCAG AA)
//! on their background in both themes.

/// `?theme=`: `auto` follows the reader's `prefers-color-scheme`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    Light,
    Dark,
    #[default]
    Auto,
}

impl Theme {
    pub fn parse(raw: Option<&str>) -> Option<Theme> {
        match raw.unwrap_or("auto") {
            "light" => Some(Theme::Light),
            "dark" => Some(Theme::Dark),
            "auto" => Some(Theme::Auto),
            _ => None,
        }
    }

    pub fn slug(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
            Theme::Auto => "auto",
        }
    }

    /// The class on `<html>` that pins a theme (`auto` pins none).
    pub fn class(self) -> Option<&'static str> {
        match self {
            Theme::Light => Some("light"),
            Theme::Dark => Some("dark"),
            Theme::Auto => None,
        }
    }
}

const LIGHT: &str = "--bg:#ffffff;--fg:#1b1f23;--muted:#4f5862;--line:#d0d7de;--accent:#1a6b3c;--band:rgba(26,107,60,.18);--link:#0a58a8;--m-bg:#dcf2e3;--m-fg:#14532d;--c-bg:#fff1c2;--c-fg:#5c4300;--f-bg:#fde2e1;--f-fg:#8a1c14;--n-bg:#eceff2;--n-fg:#3b434b;";
const DARK: &str = "--bg:#15181c;--fg:#e8eaed;--muted:#aab3bd;--line:#3a4149;--accent:#5cc48a;--band:rgba(92,196,138,.24);--link:#8ab4f8;--m-bg:#1d3b2a;--m-fg:#a7e3bd;--c-bg:#3d3416;--c-fg:#f2d57e;--f-bg:#4a1f1c;--f-fg:#f6b8b2;--n-bg:#2a2f35;--n-fg:#d5dbe1;";

/// The palette: light by default, dark under `.dark`, and under `auto`
/// dark when the reader's system asks for it.
pub fn palette_css() -> String {
    format!(
        ":root{{{LIGHT}color-scheme:light}}:root.dark{{{DARK}color-scheme:dark}}@media (prefers-color-scheme:dark){{:root:not(.light){{{DARK}color-scheme:dark}}}}"
    )
}

/// The pill that says how a figure was obtained, styled by basis.
pub const BASIS_CSS: &str = ".basis{display:inline-block;padding:0 .45em;border-radius:.6em;font-weight:600;white-space:nowrap}.basis.measured{background:var(--m-bg);color:var(--m-fg)}.basis.carried-forward{background:var(--c-bg);color:var(--c-fg)}.basis.fallback{background:var(--f-bg);color:var(--f-fg)}.basis.none{background:var(--n-bg);color:var(--n-fg)}";

/// The chart's colours.
pub const CHART_CSS: &str = ".chart{margin:.4rem 0 0}.chart svg{display:block;width:100%;height:4.5rem}.chart .band{fill:var(--band)}.chart .best{fill:none;stroke:var(--accent);stroke-width:2}.bars svg{height:auto;max-width:44rem}.bars .bar{fill:var(--band);stroke:var(--accent)}.bars .whisker{stroke:var(--fg);stroke-width:1.5}.bars text{fill:var(--fg);font-size:12px}.bars .tick{fill:var(--muted);font-size:10px}.tornado{margin:.4rem 0}.tornado svg{display:block;width:100%;max-width:30rem;height:auto}.tornado text{fill:var(--fg);font-size:14px}.tornado .tick{fill:var(--muted);font-size:10px}.tornado .axis{stroke:var(--fg);stroke-width:1}.tornado .low,.key.low{fill:var(--band);background:var(--band);stroke:var(--accent)}.tornado .high,.key.high{fill:var(--accent);background:var(--accent)}.key{display:inline-block;width:.9em;height:.9em;vertical-align:middle;border:1px solid var(--accent)}.tornado figcaption{display:flex;gap:0 1.2em;flex-wrap:wrap;font-size:.75rem;color:var(--muted)}.scroll{overflow-x:auto;max-width:100%}table.sensitivity{border-collapse:collapse;font-size:.85rem;margin:.6rem 0}table.sensitivity th,table.sensitivity td{border-bottom:1px solid var(--line);padding:.2rem .5rem;text-align:left;vertical-align:top}table.sensitivity caption{text-align:left;color:var(--muted);font-size:.8rem}.chart figcaption{display:flex;justify-content:space-between;flex-wrap:wrap;gap:0 .8em;font-size:.75rem;color:var(--muted)}";
