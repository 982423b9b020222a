//! Parents' consultations (家长咨询): a parent with a public account asks about her child (she
//! names where she lives, so the federation there answers); staff assign an expert (a lecturer
//! who may serve that region), record the expert's answer, and the parent rates it once
//! (满意/基本满意/不满意). Staff see a queue in their scope sorted by how long each has waited;
//! the asker sees only her own. Satisfaction = 满意 ratings / rated answers.
//!
//! Public writes are audited with the public account (`username` `public:<id>`) and the
//! consultation's region.

use jinguo_domain::access::Permission;
use jinguo_domain::education::{AgeGroup, MAX_QUESTION_CHARS, Rating};
use jinguo_domain::{Invalid, Level, RegionCode};
use jinguo_store::audit::Outcome;
use jinguo_store::education::Table;
use jinguo_store::education::consultations::{self, Consultation, NewConsultation};
use jinguo_store::{Page, Work};
use serde::Deserialize;
use serde_json::json;

use crate::org::{Checks, parse_region};
use crate::public::PublicAccount;
use crate::{Actor, App, AppError, Result};

/// Unanswered consultations one account may have open at once (a guard against floods).
pub const MAX_OPEN_PER_ACCOUNT: usize = 5;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct AskInput {
    /// Where she lives: a county, town or village code of the city.
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub age_group: Option<String>,
    #[serde(default)]
    pub question: String,
}

fn text(field: &str, label: &str, s: &str, min: usize) -> Result<String, Invalid> {
    let t = s.trim();
    let n = t.chars().count();
    if n == 0 {
        return Err(Invalid::field(field, format!("请填写{label}")));
    }
    if n < min {
        return Err(Invalid::field(field, format!("{label}至少 {min} 个字，请说得具体些")));
    }
    if n > MAX_QUESTION_CHARS {
        return Err(Invalid::field(field, format!("{label}不能超过 {MAX_QUESTION_CHARS} 个字")));
    }
    if t.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        return Err(Invalid::field(field, format!("{label}含有不可见的控制字符")));
    }
    Ok(t.to_owned())
}

impl App {
    /// A parent asks a question.
    pub async fn ask_consultation(&self, asker: &PublicAccount, input: &AskInput) -> Result<Consultation> {
        const ACTION: &str = "consultation.ask";
        let mut checks = Checks::new();
        let region = checks.take(parse_region("region", &input.region));
        let age = checks.take(AgeGroup::parse(input.age_group.as_deref().filter(|s| !s.trim().is_empty()).unwrap_or("all")));
        let question = checks.take(text("question", "问题", &input.question, 5));
        checks.finish()?;
        let (Some(region), Some(age), Some(question)) = (region, age, question) else {
            return Err(AppError::Internal("validation".into()));
        };
        let in_city = self.config.city.as_ref().is_none_or(|c| c.contains(&region));
        if region.level() == Level::Province || !in_city || jinguo_store::org::regions::get(self.db.reader(), &region).await?.is_none() {
            return Err(AppError::invalid("region", "请选择您所在的县(区)、镇(街道)或村(社区)"));
        }
        let open = consultations::list_of_account(self.db.reader(), asker.id, 50).await?.iter().filter(|q| q.answered_at.is_none()).count();
        if open >= MAX_OPEN_PER_ACCOUNT {
            return Err(AppError::Conflict(format!("您已有 {open} 个问题在等待解答，请等专家答复后再提问")));
        }
        let now = self.now_ms();
        let new = NewConsultation { account: asker.id, region: region.clone(), age_group: age, question };
        let mut w = Work::begin(&self.db).await?;
        let id = consultations::insert(&mut w, &new, self.today(), now).await?;
        w.audit(asker.entry(
            now,
            ACTION,
            "consultation",
            id,
            &region.padded(),
            json!({"after": {"age_group": age.code(), "chars": new.question.chars().count()}}),
        ));
        w.commit().await?;
        self.my_consultation(asker.id, id).await
    }

    /// One of her own consultations; anyone else's is not found.
    pub async fn my_consultation(&self, account: i64, id: i64) -> Result<Consultation> {
        consultations::of_account(self.db.reader(), account, id).await?.ok_or(AppError::NotFound)
    }

    /// Her consultations, the latest first.
    pub async fn my_consultations(&self, account: i64) -> Result<Vec<Consultation>> {
        Ok(consultations::list_of_account(self.db.reader(), account, 100).await?)
    }

    /// She rates the answer to her question, once.
    pub async fn rate_consultation(&self, asker: &PublicAccount, id: i64, rating: &str) -> Result<Consultation> {
        const ACTION: &str = "consultation.rate";
        let rating = Rating::parse(rating)?;
        let q = self.my_consultation(asker.id, id).await?;
        if q.answered_at.is_none() {
            return Err(AppError::Conflict("专家尚未解答，解答后才能评价".into()));
        }
        if q.rating.is_some() {
            return Err(AppError::Conflict("您已评价过这条解答，每条解答只能评价一次".into()));
        }
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        if !consultations::rate(&mut w, &q, asker.id, rating, self.today(), now).await? {
            w.rollback().await?;
            return Err(AppError::Conflict("您已评价过这条解答，每条解答只能评价一次".into()));
        }
        w.audit(asker.entry(now, ACTION, "consultation", id, &q.region.padded(), json!({"after": {"rating": rating.code()}})));
        w.commit().await?;
        self.my_consultation(asker.id, id).await
    }

    /// The staff queue in scope, the longest waiting first (`open`: unanswered only).
    pub async fn consultation_queue(
        &self,
        actor: &Actor,
        region: Option<&RegionCode>,
        open: bool,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Page<Consultation>> {
        let scope = self.list_scope(actor, region, "consultation.list").await?;
        Ok(consultations::queue(self.db.reader(), &scope, open, after, limit.clamp(1, 500)).await?)
    }

    pub async fn consultation(&self, actor: &Actor, id: i64) -> Result<Consultation> {
        self.require(actor, Permission::ReadRegisters, "consultation.read").await?;
        consultations::get(self.db.reader(), &actor.scope, id).await?.ok_or(AppError::NotFound)
    }

    async fn consultation_for_write(&self, actor: &Actor, id: i64, action: &str) -> Result<Consultation> {
        self.require(actor, Permission::WriteOrg, action).await?;
        let found = consultations::get(self.db.reader(), &actor.scope, id).await?;
        self.education_writable(actor, found, Table::Consultations, id, action).await
    }

    /// Assigns an expert (a lecturer who may serve the consultation's region).
    pub async fn assign_consultation(&self, actor: &Actor, id: i64, lecturer: &str) -> Result<Consultation> {
        const ACTION: &str = "consultation.assign";
        let q = self.consultation_for_write(actor, id, ACTION).await?;
        let lid = lecturer.trim().parse::<i64>().map_err(|_| AppError::invalid("lecturer", "请选择解答的专家"))?;
        let l = self.lecturer_serving(actor, "lecturer", lid, &q.region).await?;
        if q.answered_at.is_some() {
            return Err(AppError::Conflict("该咨询已解答，不能再分派".into()));
        }
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        if !consultations::assign(&mut w, &q, lid, actor.account, now).await? {
            w.rollback().await?;
            return Err(AppError::Conflict("该咨询已解答，不能再分派".into()));
        }
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "consultation",
            id,
            &q.region.padded(),
            json!({"after": {"lecturer": lid.to_string(), "lecturer_name": l.name}}),
        ));
        w.commit().await?;
        self.consultation(actor, id).await
    }

    /// Records the assigned expert's answer.
    pub async fn answer_consultation(&self, actor: &Actor, id: i64, answer: &str) -> Result<Consultation> {
        const ACTION: &str = "consultation.answer";
        let q = self.consultation_for_write(actor, id, ACTION).await?;
        let answer = text("answer", "解答", answer, 2)?;
        if q.lecturer.is_none() {
            return Err(AppError::Conflict("请先分派解答的专家".into()));
        }
        if q.answered_at.is_some() {
            return Err(AppError::Conflict("该咨询已解答".into()));
        }
        let now = self.now_ms();
        let mut w = Work::begin(&self.db).await?;
        if !consultations::answer(&mut w, &q, &answer, actor.account, self.today(), now).await? {
            w.rollback().await?;
            return Err(AppError::Conflict("该咨询已解答".into()));
        }
        w.audit(actor.entry(
            now,
            ACTION,
            Outcome::Ok,
            "consultation",
            id,
            &q.region.padded(),
            json!({"after": {"chars": answer.chars().count()}}),
        ));
        w.commit().await?;
        self.consultation(actor, id).await
    }
}
