//! The region tree: a region, the way up to the province, and its children with how many
//! counties, towns and villages lie below each. Region codes and names are public facts, so
//! the page needs no login: a visitor sees it in the public layout, an officer in the staff
//! layout with links to the registers and figures of the regions within her scope.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::routing::get;
use jinguo_app::Actor;
use jinguo_domain::access::Permission;
use jinguo_domain::{Level, RegionCode};
use jinguo_store::org::regions::Region;
use serde::Deserialize;

use crate::state::AppState;
use crate::views::{Chrome, Crumb, MaybeUser, PageResult, page_region, render};

pub fn router() -> Router<AppState> {
    Router::new().route("/regions", get(page))
}

/// A region as a row of the children's table shows it.
pub struct RegionRow {
    pub code: String,
    pub name: String,
    pub level_label: &'static str,
    pub counties: i64,
    pub towns: i64,
    pub villages: i64,
    /// Has regions below it to walk down to.
    pub has_children: bool,
    /// Within the officer's scope: show the links to its registers and figures.
    pub in_scope: bool,
}

impl RegionRow {
    fn new(r: &Region, actor: Option<&Actor>) -> RegionRow {
        RegionRow {
            code: r.code.short().to_owned(),
            name: r.name.clone(),
            level_label: r.level.label(),
            counties: r.counties,
            towns: r.towns,
            villages: r.villages,
            has_children: r.children > 0,
            in_scope: actor.is_some_and(|a| a.scope.contains(&r.code)),
        }
    }

    /// "下辖 2 个县(区)、5 个镇(街道)、31 个村(社区)", leaving out the levels with none.
    pub fn summary(&self) -> String {
        let parts: Vec<String> = [(self.counties, Level::County), (self.towns, Level::Town), (self.villages, Level::Village)]
            .into_iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, l)| format!("{n} 个{}", l.label()))
            .collect();
        if parts.is_empty() { String::new() } else { format!("下辖 {}", parts.join("、")) }
    }
}

/// What both layouts show of a region.
pub struct RegionView {
    /// None for the list of provinces.
    pub region: Option<RegionRow>,
    pub crumbs: Vec<Crumb>,
    pub children: Vec<RegionRow>,
    /// The level of the children, for the table's heading ("下级县(区)").
    pub child_level: &'static str,
    pub show_counties: bool,
    pub show_towns: bool,
    pub show_villages: bool,
    pub q: String,
    pub results: Vec<RegionRow>,
    pub searched: bool,
    /// The officer may open registers (federations, homes, activities).
    pub registers: bool,
    /// The officer may open figures.
    pub figures: bool,
}

impl RegionView {
    /// Links for a row: shown only to officers, and only for regions in their scope.
    pub fn links(&self, row: &RegionRow) -> bool {
        row.in_scope && (self.registers || self.figures)
    }
}

#[derive(Template)]
#[template(path = "org/regions.html")]
struct StaffPage {
    chrome: Chrome,
    v: RegionView,
}

#[derive(Template)]
#[template(path = "org/regions_public.html")]
struct PublicPage {
    v: RegionView,
}

#[derive(Deserialize)]
struct RegionQuery {
    region: Option<String>,
    q: Option<String>,
}

/// `?region=all` asks for the provinces even when the visitor has a region of her own.
const TOP: &str = "all";

async fn page(State(state): State<AppState>, MaybeUser(user): MaybeUser, Query(q): Query<RegionQuery>) -> PageResult {
    let actor = user.as_ref().map(|u| &u.actor);
    let asked = q.region.as_deref().map(str::trim).unwrap_or("");
    let code = if asked == TOP {
        None
    } else {
        match page_region(Some(asked))? {
            Some(c) => Some(c),
            None => actor.and_then(|a| a.region.clone()).or_else(|| state.app.config.city.clone()),
        }
    };
    let v = view(&state, actor, code.as_ref(), q.q.as_deref().unwrap_or("")).await?;
    Ok(match user {
        Some(user) => {
            let mut chrome = Chrome::new(&user, "/regions");
            chrome.crumbs = v.crumbs.iter().map(|c| Crumb { label: c.label.clone(), href: c.href.clone() }).collect();
            render(&StaffPage { chrome, v })
        }
        None => render(&PublicPage { v }),
    })
}

async fn view(state: &AppState, actor: Option<&Actor>, code: Option<&RegionCode>, q: &str) -> Result<RegionView, crate::views::PageError> {
    let region = match code {
        Some(c) => Some(state.app.region(c).await?),
        None => None,
    };
    let children = state.app.region_children(code).await?;
    let mut crumbs =
        vec![Crumb { label: "全国".into(), href: if code.is_some() { format!("/regions?region={TOP}") } else { String::new() } }];
    if let Some(c) = code {
        for r in state.app.region_lineage(c).await? {
            let href = if &r.code == c { String::new() } else { format!("/regions?region={}", r.code) };
            crumbs.push(Crumb { label: r.name, href });
        }
    }
    // Descendant counts are shown for the levels that lie below the children.
    let child_level = code.map(|c| c.level().child()).unwrap_or(Some(Level::Province));
    let below = |l: Level| child_level.is_some_and(|c| c.rank() < l.rank());
    let q = q.trim().to_owned();
    let results = match (code, q.is_empty()) {
        (Some(c), false) => state.app.search_regions(c, &q).await?.iter().map(|r| RegionRow::new(r, actor)).collect(),
        _ => Vec::new(),
    };
    Ok(RegionView {
        region: region.as_ref().map(|r| RegionRow::new(r, actor)),
        crumbs,
        children: children.iter().map(|r| RegionRow::new(r, actor)).collect(),
        child_level: child_level.map(|l| l.label()).unwrap_or(""),
        show_counties: below(Level::County),
        show_towns: below(Level::Town),
        show_villages: below(Level::Village),
        searched: !q.is_empty() && code.is_some(),
        q,
        results,
        registers: actor.is_some_and(|a| a.can(Permission::ReadRegisters)),
        figures: actor.is_some_and(|a| a.can(Permission::ReadIndicators)),
    })
}
