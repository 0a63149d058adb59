//! A MiCA sustainability disclosure as a document a service provider can
//! put on its website or in a white paper (Delegated Regulation (EU)
//! 2025/422, Article 3(1): "in a downloadable file, in a way that is easy
//! to read"). One self-contained HTML file: its own small stylesheet, no
//! script, no outside request, readable printed.

use blockwatt_analytics::{Disclosure, DisclosureField};
use chrono::NaiveDate;
use maud::{html, Markup, DOCTYPE};

const CSS: &str = "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1b1f23;background:#fff;margin:0 auto;max-width:60rem;padding:1rem}h1{font-size:1.5rem;line-height:1.25}h2{font-size:1.15rem;margin-top:1.6rem}table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}th,td{border-bottom:1px solid #d0d7de;padding:.35rem .5rem;text-align:left;vertical-align:top}th[scope=row]{white-space:nowrap}td.value{overflow-wrap:anywhere}td.range{white-space:nowrap}td.note{width:26%}.muted,small{color:#4f5862}.missing{color:#8a1c14}.scroll{overflow-x:auto}.scroll table{min-width:46rem}caption{text-align:left}ul.parts{margin:0;padding:0;list-style:none}dl{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem}dt{font-weight:600}dd{margin:0}@media print{a{color:inherit}}@media (max-width:40rem){.scroll table{min-width:0}thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}tr{display:block;border-bottom:1px solid #d0d7de;padding:.4rem 0}th,td{display:block;border:0;padding:.1rem 0}td.note{width:auto}td:empty{display:none}td.range::before{content:'Range: ';color:#4f5862}}";

/// What a reader needs beside the disclosure itself.
pub struct MicaDocument<'a> {
    pub disclosure: &'a Disclosure,
    /// S.3 as written, for the title.
    pub asset_name: &'a str,
    /// The day the document was produced.
    pub generated: NaiveDate,
    /// Where the same disclosure is served as JSON and CSV, if online.
    pub json_url: Option<&'a str>,
    pub csv_url: Option<&'a str>,
}

fn table_rows(fields: &[DisclosureField], table: u8) -> Markup {
    html! {
        @for f in fields.iter().filter(|f| f.table == table) {
            // A text with no range and no note (the methodologies, S.9
            // and S.15 on) reads across the three columns, not down one.
            @let alone = f.lower.is_none() && f.parts.is_empty() && f.note.is_none();
            tr {
                th scope="row" { (f.code) }
                td { (f.name) br; small { (f.section) } }
                td.value colspan=[alone.then_some(3)] {
                    @match &f.value {
                        Some(v) => { (v) @if !f.unit.is_empty() { " " (f.unit) } }
                        None if !f.parts.is_empty() => {
                            // Each part's range beside it: a separate
                            // column's list wraps out of line with it.
                            ul.parts {
                                @for p in &f.parts {
                                    li { (p.part.replace('_', " ")) ": " (p.value) " " (f.unit) " " small { "(" (p.lower) " – " (p.upper) ")" } }
                                }
                            }
                        }
                        None => { span.missing { "not computed" } }
                    }
                }
                @if !alone {
                    td.range {
                        @if let (Some(l), Some(u)) = (&f.lower, &f.upper) { (l) " – " (u) }
                        @if !f.parts.is_empty() { small { "beside each part" } }
                    }
                    td.note { @if let Some(n) = &f.note { small { (n) } } }
                }
            }
        }
    }
}

fn table_for(fields: &[DisclosureField], table: u8, caption: &str) -> Markup {
    html! {
        div.scroll tabindex="0" role="region" aria-label=(caption) {
            table {
                caption.muted { (caption) }
                thead { tr { th scope="col" { "Field" } th scope="col" { "Indicator" } th scope="col" { "Value" } th scope="col" { "Range (lower – upper)" } th scope="col" { "Note" } } }
                tbody { (table_rows(fields, table)) }
            }
        }
    }
}

fn icon_data_uri() -> String {
    let mut out = String::from("data:image/svg+xml,");
    for c in crate::layout::ICON_SVG.chars() {
        match c {
            '%' => out.push_str("%25"),
            '#' => out.push_str("%23"),
            '"' => out.push_str("%22"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            c => out.push(c),
        }
    }
    out
}

pub fn mica_document(doc: &MicaDocument<'_>) -> Markup {
    let d = doc.disclosure;
    let title = format!(
        "Sustainability indicators of {} ({} to {})",
        doc.asset_name, d.period.start, d.period.end
    );
    let t = &d.threshold;
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (maud::PreEscaped(CSS)) }
                // The icon inline too, so a saved copy asks nothing of any server.
                link rel="icon" type="image/svg+xml" href=(icon_data_uri());
            }
            body {
                main {
                    h1 { (title) }
                    p.muted {
                        "Information on principal adverse impacts on the climate and other environment-related adverse impacts of the consensus mechanism, "
                        "presented as the Annex to Commission Delegated Regulation (EU) 2025/422 sets out (Tables 2, 3 and 4)."
                    }
                    dl {
                        dt { "Crypto-asset" } dd { (doc.asset_name) " (" code { (d.asset) } ")" }
                        dt { "Ledgers" } dd { (d.chains.join(", ")) }
                        dt { "Period" } dd { (d.period.start) " to " (d.period.end) " (" (d.days_with_estimates) " days estimated)" }
                        dt { "How obtained" } dd { (d.basis.as_str()) ": " (d.basis_days.measured) " days measured, " (d.basis_days.carried_forward) " carried forward, " (d.basis_days.fallback) " from dated catalogue fallbacks" }
                        dt { "Data as of" } dd { (d.as_of) }
                        dt { "Methods" } dd { @for (i, v) in d.methodology_versions.iter().enumerate() { @if i > 0 { ", " } code { (v) } } }
                        dt { "Produced" } dd { (doc.generated) " by blockwatt, open-source estimates with lower, best and upper bounds" }
                    }
                    p {
                        @if t.table3_mandatory {
                            "Energy consumption (S.8) exceeds 500,000 kWh a year: Table 3 applies (Article 5). "
                        } @else {
                            "Energy consumption (S.8) does not exceed 500,000 kWh a year: Table 3 is optional (Article 5). "
                        }
                        @if t.within_bounds { "The threshold lies within S.8's range, so the decision rests on the best estimate. " }
                    }
                    @if !d.not_counted.is_empty() {
                        p.missing {
                            "Not in these figures: "
                            @for (i, n) in d.not_counted.iter().enumerate() { @if i > 0 { "; " } (n.reason) }
                            "."
                        }
                    }
                    @if !d.missing_required.is_empty() {
                        p.missing { "Required fields not filled here: " (d.missing_required.join(", ")) ". Their notes say why." }
                    }
                    h2 { "Table 2: mandatory information" }
                    (table_for(&d.fields, 2, "Table 2, S.1 to S.9"))
                    h2 { "Table 3: supplementary information on energy and emissions" }
                    (table_for(&d.fields, 3, "Table 3, S.10 to S.16"))
                    h2 { "Table 4: optional information" }
                    (table_for(&d.fields, 4, "Table 4, S.17 to S.36"))
                    p.muted {
                        "Values are written as the Annex's Table 1 says: dates YYYY-MM-DD, decimals with '.' and rounded, not truncated, here to 6 significant digits. "
                        "The ranges beside them are blockwatt's lower and upper bounds, not regulated fields."
                        @if let (Some(j), Some(c)) = (doc.json_url, doc.csv_url) {
                            " The same disclosure as " a href=(j) { "JSON" } " and " a href=(c) { "CSV" } "."
                        }
                    }
                }
            }
        }
    }
}
