//! The flat SVG badge: a grey label, a coloured message, and a title that
//! says the whole of it when hovered or read aloud.

use maud::{html, Markup};

/// `fill` is the message's background (`#2e7d32`).
pub fn badge_svg(label: &str, message: &str, title: &str, fill: &str) -> Markup {
    // Verdana 11px averages about 6.5 px per character; good enough for a badge.
    let w = |s: &str| 10 + (s.chars().count() as u32 * 13).div_ceil(2);
    let (lw, mw) = (w(label), w(message));
    html! {
        svg xmlns="http://www.w3.org/2000/svg" width=(lw + mw) height="20" role="img" aria-label=(title) {
            title { (title) }
            rect width=(lw) height="20" fill="#555" {}
            rect x=(lw) width=(mw) height="20" fill=(fill) {}
            g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11" text-anchor="middle" {
                text x=(lw / 2) y="14" { (label) }
                text x=(lw + mw / 2) y="14" { (message) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_the_message_box_fits_it() {
        let svg = badge_svg("a<b", "1 & 2", "t\"", "#2e7d32").into_string();
        assert!(
            svg.contains("a&lt;b")
                && svg.contains("1 &amp; 2")
                && svg.contains("aria-label=\"t&quot;\""),
            "{svg}"
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    }
}
