//! Completeness of a region's registers for a period (issue 5, point 4).

use axum::Json;
use axum::extract::State;
use jinguo_app::completeness::{Completeness, Upkeep};
use jinguo_domain::insight::WATCHED;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiQuery, region_and_period};
use crate::auth::ApiUser;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
pub struct CompletenessQuery {
    /// Region code; default the caller's own region.
    region: Option<String>,
    /// First day, YYYY-MM-DD; default 1 January of this year.
    from: Option<String>,
    /// Last day, YYYY-MM-DD; default today.
    to: Option<String>,
}

/// How the villages of a region kept one register.
#[derive(Serialize, ToSchema)]
pub struct RegisterUpkeep {
    /// `activities` | `visits` | `screenings` | `points` | `education`
    pub register: String,
    pub label: String,
    pub villages: usize,
    /// Villages with no record in the period.
    pub lacking: usize,
    /// Villages with no record in the six months up to the period's end.
    pub stale: usize,
    /// The last day with a record, YYYY-MM-DD.
    pub last: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RegionCompleteness {
    pub region: String,
    pub name: String,
    pub registers: Vec<RegisterUpkeep>,
}

#[derive(Serialize, ToSchema)]
pub struct CompletenessBody {
    pub from: String,
    pub to: String,
    /// No record since this day counts as stale.
    pub stale_before: String,
    pub region: RegionCompleteness,
    pub children: Vec<RegionCompleteness>,
    /// Stale villages: code, name, register, last record.
    pub stale: Vec<StaleVillageBody>,
}

#[derive(Serialize, ToSchema)]
pub struct StaleVillageBody {
    pub region: String,
    pub name: String,
    pub register: String,
    pub last: Option<String>,
}

fn upkeep(registers: &[Upkeep]) -> Vec<RegisterUpkeep> {
    WATCHED
        .iter()
        .zip(registers)
        .map(|(w, u)| RegisterUpkeep {
            register: w.id.to_owned(),
            label: w.label.to_owned(),
            villages: u.villages,
            lacking: u.lacking,
            stale: u.stale,
            last: u.last.map(|d| d.to_string()),
        })
        .collect()
}

impl From<Completeness> for CompletenessBody {
    fn from(c: Completeness) -> CompletenessBody {
        let region = |r: &jinguo_app::completeness::RegionUpkeep| RegionCompleteness {
            region: r.code.short().to_owned(),
            name: r.name.clone(),
            registers: upkeep(&r.registers),
        };
        CompletenessBody {
            from: c.period.from.to_string(),
            to: c.period.to.to_string(),
            stale_before: c.stale_before.to_string(),
            region: region(&c.whole),
            children: c.children.iter().map(region).collect(),
            stale: c
                .stale
                .iter()
                .map(|s| StaleVillageBody {
                    region: s.code.short().to_owned(),
                    name: s.name.clone(),
                    register: WATCHED[s.register].id.to_owned(),
                    last: s.last.map(|d| d.to_string()),
                })
                .collect(),
        }
    }
}

/// Which registers the villages of a region kept in a period, per child region, and the
/// villages that added nothing for six months.
#[utoipa::path(get, path = "/api/v1/completeness", tag = "insight", params(CompletenessQuery), security(("bearer" = [])),
    responses((status = 200, body = CompletenessBody), (status = 404, body = super::dto::ErrorBody), (status = 422, body = super::dto::ErrorBody)))]
pub async fn completeness(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<CompletenessQuery>,
) -> Result<Json<CompletenessBody>, ApiError> {
    let (region, period) = region_and_period(&state, &actor, q.region.as_deref(), q.from.as_deref(), q.to.as_deref())?;
    Ok(Json(state.app.completeness(&actor, &region, period).await?.into()))
}
