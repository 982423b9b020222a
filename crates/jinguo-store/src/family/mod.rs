//! Families (households of the register), the family points ledger (家风积分制), the goods store
//! (积分超市) and family mottos (家风家训). Every write adds its roll-up deltas to the same
//! [`Work`](crate::Work); every read takes a [`Scope`](crate::Scope).
//!
//! Balance and stock move only by conditional updates (`… WHERE balance + ? >= 0`,
//! `… WHERE stock >= ?`) in the transaction that writes the ledger row, so neither goes below
//! zero under any interleaving: on SQLite the single writer serialises, on PostgreSQL the row
//! lock taken by the update does.

pub mod families;
pub mod group;
pub mod mottos;
pub mod points;
pub mod store;

use jinguo_domain::RegionCode;
use sea_orm::ConnectionTrait;

use crate::org::federations::region_of_row;
use crate::{Result, sql, vals};

/// The tables of this module that a write may name by id (a closed list).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Families,
    StoreItems,
    Redemptions,
    Mottos,
}

impl Table {
    fn name(self) -> &'static str {
        match self {
            Table::Families => "families",
            Table::StoreItems => "store_items",
            Table::Redemptions => "redemptions",
            Table::Mottos => "family_mottos",
        }
    }

    /// The object kind the audit log names.
    pub fn kind(self) -> &'static str {
        match self {
            Table::Families => "family",
            Table::StoreItems => "store_item",
            Table::Redemptions => "redemption",
            Table::Mottos => "family_motto",
        }
    }
}

/// Where a record lies, whatever the caller's scope: only to tell "not found" from "forbidden".
pub async fn region_of<C: ConnectionTrait>(c: &C, table: Table, id: i64) -> Result<Option<RegionCode>> {
    let row = sql::one(c, &format!("SELECT region FROM {} WHERE id = ?", table.name()), vals![id]).await?;
    row.as_ref().map(|r| region_of_row(r, "region")).transpose()
}
