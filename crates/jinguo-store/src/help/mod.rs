//! One-to-one help and aid (一对一帮扶): pairings of a helper with a woman, aid records, and
//! mutual-aid groups with their members and meetings. Every write adds its roll-up deltas to the
//! same [`Work`](crate::Work); every read takes a [`Scope`](crate::Scope). Beside the roll-ups,
//! each module has raw counts over its register, the check the tests hold the figures to.

pub mod aid;
pub mod groups;
pub mod pairings;

use sea_orm::{ConnectionTrait, QueryResult, Value};

use crate::org::federations::parse_cursor;
use crate::{Page, Result, sql};

/// A register list: its SELECT, its FROM (for the count), the alias of its table, and how a
/// row becomes an item and an item its `(padded region, id)` key.
pub(crate) struct Listing<T> {
    pub select: &'static str,
    pub from: &'static str,
    pub alias: &'static str,
    pub from_row: fn(&QueryResult) -> Result<T>,
    pub key: fn(&T) -> (String, i64),
}

/// A keyset page ordered by `(region, id)`: the cursor is `padded_region.id`.
pub(crate) async fn page_by_region<C: ConnectionTrait, T>(
    c: &C,
    l: &Listing<T>,
    mut cond: String,
    mut values: Vec<Value>,
    after: Option<&str>,
    limit: u64,
) -> Result<Page<T>> {
    let (select, from, alias, from_row, key) = (l.select, l.from, l.alias, l.from_row, l.key);
    let total: i64 = sql::scalar(c, &format!("SELECT COUNT(*) FROM {from}{cond}"), values.clone()).await?;
    if let Some((region, id)) = after.and_then(parse_cursor) {
        cond.push_str(&format!(" AND ({alias}.region > ? OR ({alias}.region = ? AND {alias}.id > ?))"));
        values.extend([region.clone().into(), region.into(), id.into()]);
    }
    values.push((limit as i64 + 1).into());
    let rows = sql::all(c, &format!("{select}{cond} ORDER BY {alias}.region, {alias}.id LIMIT ?"), values).await?;
    let mut items = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    let next = if items.len() as u64 > limit {
        items.truncate(limit as usize);
        items.last().map(|i| {
            let (r, id) = key(i);
            format!("{r}.{id}")
        })
    } else {
        None
    };
    Ok(Page { items, total, next })
}
