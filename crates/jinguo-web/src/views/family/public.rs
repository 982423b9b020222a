//! The public wall of approved family mottos (`/public/mottos?region=`): no account needed,
//! phone-first, on the public layout.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::routing::get;
use serde::Deserialize;

use crate::public::{MaybePublicUser, PublicChrome};
use crate::state::AppState;
use crate::views::{PageResult, page_region, render, short_place};

pub fn router() -> Router<AppState> {
    Router::new().route("/public/mottos", get(wall))
}

pub struct Card {
    pub family: String,
    pub village: String,
    pub body: String,
}

#[derive(Template)]
#[template(path = "family/public_mottos.html")]
struct WallPage {
    chrome: PublicChrome,
    place: String,
    cards: Vec<Card>,
}

#[derive(Deserialize)]
struct WallQuery {
    region: Option<String>,
}

async fn wall(State(state): State<AppState>, visitor: MaybePublicUser, Query(q): Query<WallQuery>) -> PageResult {
    let region = page_region(q.region.as_deref())?;
    let mottos = state.app.public_mottos(region.as_ref()).await?;
    let place = match region.as_ref().or(state.app.config.city.as_ref()) {
        Some(r) => state.app.region_lineage(r).await.ok().and_then(|l| l.last().map(|x| x.name.clone())).unwrap_or_default(),
        None => String::new(),
    };
    let cards = mottos
        .iter()
        .map(|m| Card {
            family: format!("{}家", m.family_name.chars().next().unwrap_or('某')),
            village: short_place(&m.region_name),
            body: m.body.clone(),
        })
        .collect();
    Ok(render(&WallPage { chrome: visitor.chrome("/public/mottos"), place, cards }))
}
