//! The frame every page shares: the header (who, with which role, the organization, its
//! programs and the day shown), the navigation and the footer.

use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::access::{Principal, Role};
use crate::server::auth::Auth;
use crate::server::AppState;

/// What the header shows.
pub struct Frame {
    /// Who is logged in.
    pub who: Principal,
    /// The organization's name, once configured.
    pub org: Option<String>,
    /// The programs the viewer may see: slug and title.
    pub programs: Vec<(String, String)>,
    /// The day the figures are for.
    pub day: String,
    /// The seq of the last event the page was made from.
    pub head: u64,
}

impl Frame {
    /// The frame for `auth`; `day` is the day shown when the page has an as-of.
    pub fn of(state: &AppState, auth: &Auth, day: Option<String>) -> Frame {
        let live = state.inner.live.read();
        let org = live.organization_name();
        let programs = live
            .programs()
            .into_iter()
            .filter(|p| auth.who.may_touch(&p.program))
            .map(|p| (p.program, p.title))
            .collect();
        let day = day.unwrap_or_else(|| {
            let now = state.inner.at.unwrap_or_else(|| state.inner.app.now());
            crate::domain::today(live.organization(), now).to_string()
        });
        Frame {
            who: auth.who.clone(),
            org,
            programs,
            day,
            head: live.head.last_seq,
        }
    }

    /// The frame of a page read as of `as_of` (a day or a time, as the read took it): the
    /// day shown is that day in the organization's zone, not today, so that a page of the
    /// past does not say it is current. An as-of the read already accepted always parses;
    /// should one not, today is shown rather than failing a page that rendered.
    pub fn as_of(state: &AppState, auth: &Auth, as_of: Option<&str>) -> Frame {
        let day = as_of.and_then(|text| {
            let live = state.inner.live.read();
            let org = live.organization();
            crate::app::parse_as_of(text, org)
                .ok()
                .map(|t| crate::domain::today(org, t).to_string())
        });
        Frame::of(state, auth, day)
    }

    /// Whether the viewer has at least `role`.
    pub fn has(&self, role: Role) -> bool {
        self.who.has(role)
    }
}

fn head(title: &str) -> Markup {
    html! {
        meta charset="utf-8";
        meta name="viewport" content="width=device-width, initial-scale=1";
        title { (title) " · Baton" }
        link rel="stylesheet" href="/assets/baton.css";
        link rel="icon" href="/favicon.svg" type="image/svg+xml";
        script src="/assets/baton.js" defer {}
    }
}

/// A whole page inside the frame. `live` (a URL) makes the page refresh its `<main>` when an
/// event is committed.
pub fn page(frame: &Frame, title: &str, live: Option<&str>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head { (head(title)) }
            body {
                a.skip href="#main" { "Skip to the content" }
                header.top {
                    div.brand {
                        a href="/" { "Baton" }
                        @if let Some(org) = &frame.org { span.org { (org) } }
                    }
                    nav aria-label="Main" {
                        ul {
                            li { a href="/" { "Programs" } }
                            @for (slug, title) in &frame.programs {
                                li { a href={ "/programs/" (super::enc(slug)) } title=(title) { (slug) } }
                            }
                            li { a href="/risk" { "Skills risk" } }
                            li { a href="/simulate" { "Simulator" } }
                            li { a href="/rehearse" { "Rehearsal" } }
                            @if frame.has(Role::Admin) { li { a href="/tokens" { "Tokens" } } }
                        }
                    }
                    div.who {
                        span #who { (frame.who.name) " · " span.role { (frame.who.role.to_string()) } }
                        " · "
                        span #day { "day shown: " time datetime=(frame.day) { (frame.day) } }
                        form.inline method="post" action="/logout" {
                            button type="submit" { "Log out" }
                        }
                    }
                }
                main #main data-live=[live] data-after=(frame.head) data-events=(event_names()) {
                    (body)
                }
                footer {
                    "Baton · log head " (frame.head) " · "
                    a href="/docs/dashboard" { "what the figures mean" }
                    " · "
                    a href="/api/openapi.json" { "API" }
                }
            }
        }
    }
}

/// The event type names a live page listens for on the event stream.
fn event_names() -> String {
    let mut names: Vec<&str> = crate::domain::Event::catalogue()
        .into_iter()
        .map(|(name, _, _)| name)
        .collect();
    names.extend(["TokenGranted", "TokenRevoked"]);
    names.dedup();
    names.join(" ")
}

/// A page outside the frame (errors, the login page).
pub fn bare(title: &str, message: &str) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head { (head(title)) }
            body.bare {
                main #main {
                    h1 { (title) }
                    p.error role="alert" { (message) }
                    p { a href="/" { "Back to the programs" } " · " a href="/login" { "Log in" } }
                }
            }
        }
    }
}

/// The login page: paste a token (or open the one-time link `baton serve` printed).
pub fn login_page(error: Option<&str>) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head { (head("Log in")) }
            body.bare {
                main #main {
                    h1 { "Log in to Baton" }
                    @if let Some(e) = error { p.error role="alert" { (e) } }
                    p { "Open the one-time link " code { "baton serve" } " printed, or paste a token made with " code { "baton token create" } "." }
                    form method="get" action="/login" {
                        label for="token" { "Token" }
                        input #token name="token" type="password" autocomplete="off" required pattern="[A-Za-z0-9_-]{43}";
                        button type="submit" { "Log in" }
                    }
                }
            }
        }
    }
}

/// A definition link next to a figure: `docs/DASHBOARD.md`'s section `anchor`.
pub fn defined(anchor: &str) -> Markup {
    html! {
        a.def href={ "/docs/dashboard#" (anchor) } title="How this figure is defined" { "definition" }
    }
}

/// A notice after a write.
pub fn notice(text: &str) -> Markup {
    html! { p.notice role="status" { (text) } }
}

/// Raw, already-escaped HTML (the SVG charts, the rendered Markdown).
pub fn raw(s: String) -> PreEscaped<String> {
    PreEscaped(s)
}
