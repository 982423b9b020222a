//! Reading the audit log: the audit administrator's search, and the chain's verification.

use jinguo_domain::access::Permission;
use jinguo_store::Page;
use jinguo_store::audit::{self as store, AuditRecord, Filter, Outcome, Verification};
use serde_json::json;

use crate::{Actor, App, Result};

impl App {
    /// Searches the log (audit administrator only); the search itself is logged too.
    pub async fn search_audit(&self, actor: &Actor, filter: &Filter, before: Option<i64>, limit: u64) -> Result<Page<AuditRecord>> {
        self.require(actor, Permission::ReadAudit, "audit.search").await?;
        let page = store::search(self.db.reader(), filter, before, limit.clamp(1, 200)).await?;
        let detail = json!({"username": filter.username, "action": filter.action, "outcome": filter.outcome, "object": filter.object, "from": filter.from_ms, "to": filter.to_ms, "results": page.total});
        store::append_now(&self.db, actor.entry(self.now_ms(), "audit.search", Outcome::Ok, "audit_log", "", "", detail)).await?;
        Ok(page)
    }

    /// Walks the whole chain.
    pub async fn verify_audit(&self) -> Result<Verification> {
        Ok(store::verify(&self.db).await?)
    }
}
