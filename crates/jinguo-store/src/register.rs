//! What every register table shares: an `id` and the `region` it belongs to.

use jinguo_domain::RegionCode;
use sea_orm::ConnectionTrait;

use crate::org::federations::region_of_row;
use crate::{Result, sql, vals};

/// The register tables (a closed list, so no table name ever comes from input).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Register {
    Federations,
    WomenHomes,
    Activities,
    People,
    CareCases,
    Screenings,
    Pairings,
    Aid,
    MutualAidGroups,
}

impl Register {
    fn table(self) -> &'static str {
        match self {
            Register::Federations => "federations",
            Register::WomenHomes => "women_homes",
            Register::Activities => "activities",
            Register::People => "people",
            Register::CareCases => "care_cases",
            Register::Screenings => "screenings",
            Register::Pairings => "pairings",
            Register::Aid => "aid",
            Register::MutualAidGroups => "mutual_aid_groups",
        }
    }

    /// The object kind the audit log names.
    pub fn kind(self) -> &'static str {
        match self {
            Register::Federations => "federation",
            Register::WomenHomes => "women_home",
            Register::Activities => "activity",
            Register::People => "person",
            Register::CareCases => "care_case",
            Register::Screenings => "screening",
            Register::Pairings => "pairing",
            Register::Aid => "aid",
            Register::MutualAidGroups => "mutual_aid_group",
        }
    }
}

/// Where a record lies, whatever the caller's scope: only to tell "not found" from "forbidden".
/// Reveals nothing else.
pub async fn region_of<C: ConnectionTrait>(c: &C, register: Register, id: i64) -> Result<Option<RegionCode>> {
    let row = sql::one(c, &format!("SELECT region FROM {} WHERE id = ?", register.table()), vals![id]).await?;
    row.as_ref().map(|r| region_of_row(r, "region")).transpose()
}
