//! `/widgets`: every widget of a chosen chain, previewed live, with the
//! snippets to paste (script, iframe, badge in Markdown and HTML, the
//! shields.io endpoint), written with the server's public address.

use maud::{html, Markup};

use crate::layout::page;
use crate::metric::METRICS;

pub struct GalleryView<'a> {
    /// (slug, name) of every public chain, for the chooser.
    pub chains: Vec<(&'a str, &'a str)>,
    pub chain: &'a str,
    pub chain_name: &'a str,
    /// Where readers reach this server, without a trailing slash.
    pub base: &'a str,
    /// True when `base` was guessed from the request (no `public_url`).
    pub base_guessed: bool,
}

fn snippet(label: &str, id: &str, code: &str) -> Markup {
    html! {
        div.snippet {
            label for=(id) { (label) }
            textarea id=(id) readonly rows=(code.lines().count().max(1)) spellcheck="false" { (code) }
        }
    }
}

pub fn gallery(v: &GalleryView<'_>) -> Markup {
    let b = v.base;
    let c = v.chain;
    let script = format!(
        "<script src=\"{b}/widgets/embed.js\" async></script>\n<div data-blockwatt-chain=\"{c}\" data-blockwatt-metric=\"energy\"\n     data-blockwatt-theme=\"auto\" data-blockwatt-period=\"1y\"></div>"
    );
    let iframe = format!(
        "<iframe src=\"{b}/widgets/{c}/card.html?metric=energy&theme=auto&period=1y\"\n        width=\"420\" height=\"240\" style=\"border:0\" loading=\"lazy\"\n        title=\"blockwatt: energy of {}\"></iframe>",
        v.chain_name
    );
    let md = format!("![{} energy]({b}/widgets/{c}/badge.svg)", v.chain_name);
    let img = format!(
        "<img src=\"{b}/widgets/{c}/badge.svg\" alt=\"{} energy, from blockwatt\">",
        v.chain_name
    );
    let shields = format!("https://img.shields.io/endpoint?url={b}/widgets/{c}/badge.json");
    let body = html! {
        h1 { "Widgets" }
        p.lede {
            "Put a live footprint on your page: a card with a chart, or a badge. They load nothing from other sites, work with scripts off (the script only sizes the card), "
            "and say the day of their figure and how it was obtained."
        }
        form method="get" action="/widgets" {
            label for="chain" { "Chain " }
            select id="chain" name="chain" {
                @for (slug, name) in &v.chains {
                    option value=(slug) selected[*slug == c] { (name) }
                }
            }
            " "
            button type="submit" { "Show" }
        }
        @if v.base_guessed {
            p.muted { "The snippets use " code { (b) } ", the address this page was asked at; the operator sets the public one with " code { "api.public_url" } "." }
        }
        h2 { "Card" }
        p.muted { "Options: " code { "metric" } " (" @for (i, (n, _)) in METRICS.iter().enumerate() { @if i > 0 { ", " } code { (n) } } "), "
            code { "theme" } " (light, dark, auto), " code { "period" } " (30d, 1y, all)." }
        div.grid {
            iframe src=(format!("/widgets/{c}/card.html?theme=light&period=1y")) title=(format!("{} card, light", v.chain_name)) height="240" style="border:0;width:100%" loading="lazy" {}
            iframe src=(format!("/widgets/{c}/card.html?theme=dark&period=1y&metric=co2e")) title=(format!("{} card, dark, CO2e", v.chain_name)) height="240" style="border:0;width:100%" loading="lazy" {}
        }
        (snippet("Script (sizes itself; several per page)", "s-script", &script))
        (snippet("Plain iframe", "s-iframe", &iframe))
        h2 { "Badges" }
        ul.badges {
            @for (n, m) in METRICS {
                li { img src=(format!("/widgets/{c}/badge.svg?metric={n}")) alt=(format!("{} {}", v.chain_name, m.label())); }
            }
        }
        p.muted { "Colour by basis: green measured, amber carried forward, orange-red a catalogue fallback, grey no figure. The message ends with the figure's day." }
        (snippet("Markdown", "s-md", &md))
        (snippet("HTML", "s-img", &img))
        (snippet("shields.io endpoint", "s-shields", &shields))
    };
    page("Widgets: blockwatt", body)
}
