//! `Work`: one unit of work — a write transaction, the roll-up deltas its records cause, and the
//! audit entries that describe it — committed together or not at all.

use crate::audit::{self, AuditEntry};
use crate::rollup::Deltas;
use crate::{Db, Result, Tx};

pub struct Work {
    pub tx: Tx,
    pub deltas: Deltas,
    audit: Vec<AuditEntry>,
}

impl Work {
    pub async fn begin(db: &Db) -> Result<Work> {
        Ok(Work { tx: db.begin().await?, deltas: Deltas::new(), audit: Vec::new() })
    }

    /// Queues an audit entry, appended to the chain at commit.
    pub fn audit(&mut self, entry: AuditEntry) {
        self.audit.push(entry);
    }

    /// Writes the deltas and the audit entries, then commits.
    pub async fn commit(self) -> Result<()> {
        let Work { tx, deltas, audit } = self;
        deltas.write(&tx).await?;
        audit::append(&tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Drops everything written so far.
    pub async fn rollback(self) -> Result<()> {
        self.tx.rollback().await?;
        Ok(())
    }
}
