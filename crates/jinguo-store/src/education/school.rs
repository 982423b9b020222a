//! The online parent school's articles and videos: drafts and published items of a federation
//! (its region), the public's list of published items (newest first), and views, which arrive
//! in batches from a buffer (see `jinguo_app::school::ViewBuffer`): one UPDATE per item per
//! batch, never one write per view. Published articles and videos are stocks (+1 on the day
//! published); views a flow on the day of the batch.

use chrono::NaiveDate;
use jinguo_domain::RegionCode;
use jinguo_domain::education::{AgeGroup, ItemKind, ItemStatus};
use jinguo_domain::insight::metric;
use sea_orm::{ConnectionTrait, QueryResult, Value};
use serde::Serialize;

use crate::help::{Listing, page_by_region};
use crate::ids::next_id;
use crate::org::federations::region_of_row;
use crate::{Page, Result, Scope, StoreError, Work, sql, vals};

#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub id: i64,
    pub region: RegionCode,
    pub region_name: String,
    pub kind: ItemKind,
    pub title: String,
    pub body: String,
    pub video_url: String,
    pub topic: String,
    pub age_group: AgeGroup,
    pub status: ItemStatus,
    pub published_on: Option<NaiveDate>,
    pub views: i64,
}

const SELECT: &str = "SELECT i.id, i.region, r.name AS region_name, i.kind, i.title, i.body, i.video_url, i.topic, i.age_group, i.status, \
     i.published_on, i.views FROM school_items i JOIN regions r ON r.code = i.region";

fn from_row(row: &QueryResult) -> Result<Item> {
    let bad = |e: jinguo_domain::Invalid| StoreError::Other(e.summary());
    let kind: String = sql::get(row, "kind")?;
    let age: String = sql::get(row, "age_group")?;
    let status: String = sql::get(row, "status")?;
    Ok(Item {
        id: sql::get(row, "id")?,
        region: region_of_row(row, "region")?,
        region_name: sql::get(row, "region_name")?,
        kind: ItemKind::parse(&kind).map_err(bad)?,
        title: sql::get(row, "title")?,
        body: sql::get(row, "body")?,
        video_url: sql::get(row, "video_url")?,
        topic: sql::get(row, "topic")?,
        age_group: AgeGroup::parse(&age).map_err(bad)?,
        status: ItemStatus::from_code(&status).ok_or_else(|| StoreError::Other(format!("unknown status {status}")))?,
        published_on: sql::get(row, "published_on")?,
        views: sql::get(row, "views")?,
    })
}

pub async fn get<C: ConnectionTrait>(c: &C, scope: &Scope, id: i64) -> Result<Option<Item>> {
    let (low, high) = scope.bounds();
    let row = sql::one(c, &format!("{SELECT} WHERE i.id = ? AND i.region BETWEEN ? AND ?"), vals![id, low, high]).await?;
    row.as_ref().map(from_row).transpose()
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub kind: Option<ItemKind>,
    pub status: Option<ItemStatus>,
    pub age_group: Option<AgeGroup>,
}

fn filter_sql(f: &Filter, cond: &mut String, values: &mut Vec<Value>) {
    if let Some(k) = f.kind {
        cond.push_str(" AND i.kind = ?");
        values.push(k.code().into());
    }
    if let Some(s) = f.status {
        cond.push_str(" AND i.status = ?");
        values.push(s.code().into());
    }
    if let Some(a) = f.age_group {
        cond.push_str(" AND i.age_group = ?");
        values.push(a.code().into());
    }
}

/// Items of federations in scope (drafts too), by region then id.
pub async fn list<C: ConnectionTrait>(c: &C, scope: &Scope, f: &Filter, after: Option<&str>, limit: u64) -> Result<Page<Item>> {
    let (low, high) = scope.bounds();
    let mut cond = String::from(" WHERE i.region BETWEEN ? AND ?");
    let mut values: Vec<Value> = vals![low, high];
    filter_sql(f, &mut cond, &mut values);
    let listing = Listing { select: SELECT, from: "school_items i", alias: "i", from_row, key: |x: &Item| (x.region.padded(), x.id) };
    page_by_region(c, &listing, cond, values, after, limit).await
}

/// A published item, for the public pages (no scope: the parent school is public).
pub async fn published<C: ConnectionTrait>(c: &C, id: i64) -> Result<Option<Item>> {
    let row = sql::one(c, &format!("{SELECT} WHERE i.id = ? AND i.status = 'published'"), vals![id]).await?;
    row.as_ref().map(from_row).transpose()
}

/// Published items, newest first; the cursor is `YYYY-MM-DD.id` of the last item shown.
pub async fn list_published<C: ConnectionTrait>(c: &C, f: &Filter, after: Option<&str>, limit: u64) -> Result<Page<Item>> {
    let mut cond = String::from(" WHERE i.status = 'published'");
    let mut values: Vec<Value> = Vec::new();
    filter_sql(&Filter { status: None, ..f.clone() }, &mut cond, &mut values);
    let total: i64 = sql::scalar(c, &format!("SELECT COUNT(*) FROM school_items i{cond}"), values.clone()).await?;
    if let Some((day, id)) =
        after.and_then(|a| a.split_once('.')).and_then(|(d, i)| Some((jinguo_domain::insight::parse_date(d)?, i.parse::<i64>().ok()?)))
    {
        cond.push_str(" AND (i.published_on < ? OR (i.published_on = ? AND i.id < ?))");
        values.extend([day.into(), day.into(), id.into()]);
    }
    values.push((limit as i64 + 1).into());
    let rows = sql::all(c, &format!("{SELECT}{cond} ORDER BY i.published_on DESC, i.id DESC LIMIT ?"), values).await?;
    let mut items = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    let next = if items.len() as u64 > limit {
        items.truncate(limit as usize);
        items.last().and_then(|i| i.published_on.map(|d| format!("{d}.{}", i.id)))
    } else {
        None
    };
    Ok(Page { items, total, next })
}

#[derive(Debug, Clone)]
pub struct NewItem {
    pub region: RegionCode,
    pub kind: ItemKind,
    pub title: String,
    pub body: String,
    pub video_url: String,
    pub topic: String,
    pub age_group: AgeGroup,
    pub created_by: Option<i64>,
}

fn published_metric(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::Article => metric::SCHOOL_ARTICLES,
        ItemKind::Video => metric::SCHOOL_VIDEOS,
    }
}

/// Saves a new item as a draft, or published on `publish_on`.
pub async fn insert(w: &mut Work, new: &NewItem, publish_on: Option<NaiveDate>, now_ms: i64) -> Result<i64> {
    let id = next_id();
    let status = if publish_on.is_some() { ItemStatus::Published } else { ItemStatus::Draft };
    sql::exec(
        &w.tx,
        "INSERT INTO school_items (id, region, kind, title, body, video_url, topic, age_group, status, published_on, views, created_by, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)",
        vals![
            id,
            new.region.padded(),
            new.kind.code(),
            new.title.clone(),
            new.body.clone(),
            new.video_url.clone(),
            new.topic.clone(),
            new.age_group.code(),
            status.code(),
            publish_on,
            new.created_by,
            now_ms,
            now_ms
        ],
    )
    .await?;
    if let Some(day) = publish_on {
        w.deltas.add(published_metric(new.kind), &new.region, day, 1);
    }
    Ok(id)
}

/// Changes an item's words (its kind and region stay).
pub async fn update(w: &mut Work, item: &Item, new: &NewItem, now_ms: i64) -> Result<()> {
    sql::exec(
        &w.tx,
        "UPDATE school_items SET title = ?, body = ?, video_url = ?, topic = ?, age_group = ?, updated_at = ? WHERE id = ?",
        vals![new.title.clone(), new.body.clone(), new.video_url.clone(), new.topic.clone(), new.age_group.code(), now_ms, item.id],
    )
    .await?;
    Ok(())
}

/// Publishes a draft on `day`; false when it was already published (nothing changes).
pub async fn publish(w: &mut Work, item: &Item, day: NaiveDate, now_ms: i64) -> Result<bool> {
    let n = sql::exec(
        &w.tx,
        "UPDATE school_items SET status = 'published', published_on = ?, updated_at = ? WHERE id = ? AND status = 'draft'",
        vals![day, now_ms, item.id],
    )
    .await?;
    if n == 1 {
        w.deltas.add(published_metric(item.kind), &item.region, day, 1);
    }
    Ok(n == 1)
}

/// Adds a batch of views: `(item, its region, views)`, counted on `day`.
pub async fn add_views(w: &mut Work, batch: &[(i64, RegionCode, i64)], day: NaiveDate) -> Result<()> {
    for (id, region, n) in batch {
        let done = sql::exec(&w.tx, "UPDATE school_items SET views = views + ? WHERE id = ?", vals![*n, *id]).await?;
        if done == 1 {
            w.deltas.add(metric::SCHOOL_VIEWS, region, day, *n);
        }
    }
    Ok(())
}
