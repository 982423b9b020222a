//! The online parent school (线上家长学校): articles and videos written by staff (drafts until
//! published; a video's address must be https), read by anyone on the public pages, with views
//! counted through a [`ViewBuffer`]; and parents' consultations (`consultations`).
//!
//! Views are counted cheaply: a read adds one to an in-memory counter, and
//! [`App::flush_school_views`] writes the counters in one transaction (one UPDATE per item and its
//! roll-up deltas), from a timer and before staff read the figures. A crash loses at most the
//! views since the last flush; a view never takes the database's write lock.

pub mod consultations;

use std::collections::HashMap;
use std::sync::Mutex;

use jinguo_domain::access::Permission;
use jinguo_domain::education::{AgeGroup, ItemKind, ItemStatus, MAX_BODY_CHARS, parse_video_url};
use jinguo_domain::org::validate_name;
use jinguo_domain::{Invalid, RegionCode};
use jinguo_store::audit::Outcome;
use jinguo_store::education::Table;
use jinguo_store::education::school::{self, Item, NewItem};
use jinguo_store::{Page, Work};
use serde::Deserialize;
use serde_json::json;

use crate::org::{Checks, parse_region};
use crate::{Actor, App, AppError, Result};

pub use jinguo_store::education::school::Filter as ItemFilter;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ItemInput {
    /// The publishing federation's region; default: the actor's.
    #[serde(default)]
    pub region: Option<String>,
    /// article | video
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: Option<String>,
    /// https only; required for a video.
    #[serde(default)]
    pub video_url: Option<String>,
    #[serde(default)]
    pub topic: String,
    /// all | infant | preschool | primary | junior | senior
    #[serde(default)]
    pub age_group: Option<String>,
    /// Publish at once (today) rather than keep a draft.
    #[serde(default)]
    pub publish: bool,
}

/// Views waiting to be written: item → (its region, views).
#[derive(Debug, Default)]
pub struct ViewBuffer {
    counts: Mutex<HashMap<i64, (RegionCode, i64)>>,
}

impl ViewBuffer {
    /// Counts one view of a published item.
    pub fn record(&self, item: &Item) {
        let mut map = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(item.id).or_insert_with(|| (item.region.clone(), 0)).1 += 1;
    }

    /// Views not yet written.
    pub fn pending(&self) -> i64 {
        self.counts.lock().unwrap_or_else(|p| p.into_inner()).values().map(|(_, n)| n).sum()
    }

    fn take(&self) -> Vec<(i64, RegionCode, i64)> {
        let mut map = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let mut out: Vec<_> = map.drain().map(|(id, (r, n))| (id, r, n)).collect();
        out.sort_by_key(|x| x.0);
        out
    }

    fn put_back(&self, batch: Vec<(i64, RegionCode, i64)>) {
        let mut map = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        for (id, r, n) in batch {
            map.entry(id).or_insert_with(|| (r, 0)).1 += n;
        }
    }
}

struct Checked {
    region: Option<RegionCode>,
    new: NewItemParts,
}

struct NewItemParts {
    kind: ItemKind,
    title: String,
    body: String,
    video_url: String,
    topic: String,
    age_group: AgeGroup,
}

fn check_item(input: &ItemInput, kind_fixed: Option<ItemKind>) -> Result<Checked> {
    let mut checks = Checks::new();
    let region = match input.region.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(r) => checks.take(parse_region("region", r)).map(Some),
        None => Some(None),
    };
    let kind = match kind_fixed {
        Some(k) => Some(k),
        None => checks.take(ItemKind::parse(&input.kind)),
    };
    let title = checks.take(validate_name("title", "标题", &input.title, 100));
    let topic = checks.take(validate_name("topic", "主题", &input.topic, 30));
    let age_group = checks.take(AgeGroup::parse(input.age_group.as_deref().filter(|s| !s.trim().is_empty()).unwrap_or("all")));
    let body = input.body.as_deref().map(str::trim).unwrap_or("").to_owned();
    if body.chars().count() > MAX_BODY_CHARS {
        checks.take::<()>(Err(Invalid::field("body", format!("正文不能超过 {MAX_BODY_CHARS} 个字"))));
    }
    let url = input.video_url.as_deref().map(str::trim).unwrap_or("");
    let video_url = match kind {
        Some(ItemKind::Video) => checks.take(parse_video_url(url)),
        Some(ItemKind::Article) if !url.is_empty() => checks.take(parse_video_url(url)),
        _ => Some(String::new()),
    };
    if kind == Some(ItemKind::Article) && body.is_empty() {
        checks.take::<()>(Err(Invalid::field("body", "请填写文章正文")));
    }
    checks.finish()?;
    let (Some(region), Some(kind), Some(title), Some(topic), Some(age_group), Some(video_url)) =
        (region, kind, title, topic, age_group, video_url)
    else {
        return Err(AppError::Internal("validation".into()));
    };
    Ok(Checked { region, new: NewItemParts { kind, title, body, video_url, topic, age_group } })
}

impl App {
    /// Writes an article or a video, as a draft or published today.
    pub async fn create_school_item(&self, actor: &Actor, input: &ItemInput) -> Result<Item> {
        const ACTION: &str = "school_item.create";
        self.require(actor, Permission::WriteOrg, ACTION).await?;
        let Checked { region, new } = check_item(input, None)?;
        let region = match region.or_else(|| actor.region.clone()) {
            Some(r) => r,
            None => return Err(AppError::invalid("region", "请选择发布单位所在区划")),
        };
        self.require_in_scope(actor, &region, ACTION, "school_item", "").await?;
        if jinguo_store::org::regions::get(self.db.reader(), &region).await?.is_none() {
            return Err(AppError::invalid("region", "该区划不存在"));
        }
        let today = self.today();
        let item = NewItem {
            region: region.clone(),
            kind: new.kind,
            title: new.title,
            body: new.body,
            video_url: new.video_url,
            topic: new.topic,
            age_group: new.age_group,
            created_by: actor.account,
        };
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        let publish_on = input.publish.then_some(today);
        let id = school::insert(&mut w, &item, publish_on, now).await?;
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "school_item",
            id,
            &region.padded(),
            json!({"after": {"kind": item.kind.code(), "title": item.title, "video_url": item.video_url, "published_on": publish_on}}),
        ));
        w.commit().await?;
        self.school_item(actor, id).await
    }

    /// Changes an item's title, words, address, topic or age group.
    pub async fn update_school_item(&self, actor: &Actor, id: i64, input: &ItemInput) -> Result<Item> {
        const ACTION: &str = "school_item.update";
        self.require(actor, Permission::WriteOrg, ACTION).await?;
        let found = school::get(self.db.reader(), &actor.scope, id).await?;
        let item = self.education_writable(actor, found, Table::Items, id, ACTION).await?;
        let Checked { new, .. } = check_item(input, Some(item.kind))?;
        let changed = NewItem {
            region: item.region.clone(),
            kind: item.kind,
            title: new.title,
            body: new.body,
            video_url: new.video_url,
            topic: new.topic,
            age_group: new.age_group,
            created_by: actor.account,
        };
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        school::update(&mut w, &item, &changed, now).await?;
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "school_item",
            id,
            &item.region.padded(),
            json!({"before": {"title": item.title, "video_url": item.video_url}, "after": {"title": changed.title, "video_url": changed.video_url}}),
        ));
        w.commit().await?;
        self.school_item(actor, id).await
    }

    /// Publishes a draft today.
    pub async fn publish_school_item(&self, actor: &Actor, id: i64) -> Result<Item> {
        const ACTION: &str = "school_item.publish";
        self.require(actor, Permission::WriteOrg, ACTION).await?;
        let found = school::get(self.db.reader(), &actor.scope, id).await?;
        let item = self.education_writable(actor, found, Table::Items, id, ACTION).await?;
        if item.status == ItemStatus::Published {
            return Err(AppError::Conflict("该内容已发布".into()));
        }
        let today = self.today();
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        if !school::publish(&mut w, &item, today, now).await? {
            w.rollback().await?;
            return Err(AppError::Conflict("该内容已发布".into()));
        }
        w.audit(actor.entry(now, ACTION, Outcome::Ok, "school_item", id, &item.region.padded(), json!({"after": {"published_on": today}})));
        w.commit().await?;
        self.school_item(actor, id).await
    }

    pub async fn school_item(&self, actor: &Actor, id: i64) -> Result<Item> {
        self.require(actor, Permission::ReadRegisters, "school_item.read").await?;
        school::get(self.db.reader(), &actor.scope, id).await?.ok_or(AppError::NotFound)
    }

    pub async fn list_school_items(
        &self,
        actor: &Actor,
        region: Option<&RegionCode>,
        filter: &ItemFilter,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Page<Item>> {
        let scope = self.list_scope(actor, region, "school_item.list").await?;
        Ok(school::list(self.db.reader(), &scope, filter, after, limit.clamp(1, 500)).await?)
    }

    /// A published item for the public pages (no account needed). Counting the view is the
    /// caller's, through its [`ViewBuffer`].
    pub async fn public_school_item(&self, id: i64) -> Result<Item> {
        school::published(self.db.reader(), id).await?.ok_or(AppError::NotFound)
    }

    /// Published items, newest first, for the public pages.
    pub async fn public_school_items(&self, filter: &ItemFilter, after: Option<&str>, limit: u64) -> Result<Page<Item>> {
        Ok(school::list_published(self.db.reader(), filter, after, limit.clamp(1, 100)).await?)
    }

    /// Writes the buffered views in one transaction (counted today). On failure the counts go
    /// back into the buffer for the next try. Returns the views written.
    pub async fn flush_school_views(&self, buffer: &ViewBuffer) -> Result<i64> {
        let batch = buffer.take();
        if batch.is_empty() {
            return Ok(0);
        }
        let total: i64 = batch.iter().map(|x| x.2).sum();
        let day = self.today();
        let written = async {
            let mut w = Work::begin(&self.db).await?;
            school::add_views(&mut w, &batch, day).await?;
            w.commit().await
        }
        .await;
        match written {
            Ok(()) => Ok(total),
            Err(e) => {
                buffer.put_back(batch);
                Err(e.into())
            }
        }
    }
}
