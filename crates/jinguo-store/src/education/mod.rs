//! Family education and the online parent school: guidance centres, lecturer teams and
//! lecturers (`centres`), service activities and the households they served (`activities`),
//! parent-school articles and videos (`school`), and parents' consultations (`consultations`).
//! Every write adds its roll-up deltas to the same [`Work`](crate::Work); every staff read takes
//! a [`Scope`](crate::Scope). Public reads (published items, a parent's own consultations) are
//! named as such and take the public account instead.

pub mod activities;
pub mod centres;
pub mod consultations;
pub mod school;

use jinguo_domain::RegionCode;
use sea_orm::ConnectionTrait;

use crate::org::federations::region_of_row;
use crate::{Result, sql, vals};

/// The tables of this area (a closed list, so no table name ever comes from input).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Centres,
    Teams,
    Lecturers,
    Activities,
    Items,
    Consultations,
}

impl Table {
    fn table(self) -> &'static str {
        match self {
            Table::Centres => "guidance_centres",
            Table::Teams => "lecturer_teams",
            Table::Lecturers => "lecturers",
            Table::Activities => "education_activities",
            Table::Items => "school_items",
            Table::Consultations => "consultations",
        }
    }

    /// The object kind the audit log names.
    pub fn kind(self) -> &'static str {
        match self {
            Table::Centres => "guidance_centre",
            Table::Teams => "lecturer_team",
            Table::Lecturers => "lecturer",
            Table::Activities => "education_activity",
            Table::Items => "school_item",
            Table::Consultations => "consultation",
        }
    }
}

/// Where a record lies, whatever the caller's scope: only to tell "not found" from "forbidden".
pub async fn region_of<C: ConnectionTrait>(c: &C, table: Table, id: i64) -> Result<Option<RegionCode>> {
    let row = sql::one(c, &format!("SELECT region FROM {} WHERE id = ?", table.table()), vals![id]).await?;
    row.as_ref().map(|r| region_of_row(r, "region")).transpose()
}
