//! HTML for people, rendered on the server: the widget card, the public
//! pages, and the inline SVG charts they share. Pure functions from
//! estimates to markup (maud); the API crate fetches the data and serves
//! the result.

pub mod badge;
pub mod basis;
pub mod card;
pub mod chain_page;
pub mod chart;
pub mod gallery;
pub mod indices_page;
pub mod landing;
pub mod layout;
pub mod method_page;
pub mod metric;
pub mod mica_page;
pub mod theme;
pub mod tornado;

pub use badge::badge_svg;
pub use card::{card, no_figure_card, CardView, Period};
pub use chain_page::{chain_page, points, ChainPageView};
pub use chart::Point;
pub use gallery::{gallery, GalleryView};
pub use indices_page::{index_report, indices_list, methods_list, IndexReportView, IndexRow};
pub use landing::{landing, ChainRow};
pub use layout::{stylesheet, ICON_PATH, ICON_SVG, STYLESHEET_PATH};
pub use method_page::{catalogue_page, method_page, MethodView, ParameterRow};
pub use metric::{Metric, Shown, METRICS};
pub use mica_page::{mica_document, MicaDocument};
pub use theme::Theme;
pub use tornado::{tornado, TornadoRow};
