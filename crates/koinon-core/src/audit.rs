//! The audit chain: every entry carries the SHA-256 of the one before it, so that an edited,
//! removed or reordered entry breaks the chain from that point on.

use sha2::{Digest, Sha256};

/// The hash that stands before the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Limits on what one entry may carry.
pub const ACTION_MAX_CHARS: usize = 64;
pub const OBJECT_MAX_CHARS: usize = 200;
pub const SUMMARY_MAX_CHARS: usize = 4000;

/// The fields of an entry that the hash covers.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditFields<'a> {
    pub seq: i64,
    pub at_us: i64,
    pub tenant_id: Option<i64>,
    pub actor: &'a str,
    pub action: &'a str,
    pub object: &'a str,
    pub summary: &'a str,
}

/// SHA-256 (lower-case hex) of the previous hash and this entry's fields. Every field is
/// length-prefixed so that no two different entries encode to the same bytes.
pub fn chain_hash(prev_hash: &str, fields: &AuditFields<'_>) -> String {
    let mut hasher = Sha256::new();
    let mut put = |bytes: &[u8]| {
        hasher.update((bytes.len() as u64).to_be_bytes());
        hasher.update(bytes);
    };
    put(prev_hash.as_bytes());
    put(&fields.seq.to_be_bytes());
    put(&fields.at_us.to_be_bytes());
    match fields.tenant_id {
        Some(id) => put(&id.to_be_bytes()),
        None => put(b""),
    }
    put(fields.actor.as_bytes());
    put(fields.action.as_bytes());
    put(fields.object.as_bytes());
    put(fields.summary.as_bytes());
    hex::encode(hasher.finalize())
}

/// A stored entry as `audit verify` reads it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAuditEntry {
    pub seq: i64,
    pub at_us: i64,
    pub tenant_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub summary: String,
    pub prev_hash: String,
    pub hash: String,
}

impl StoredAuditEntry {
    pub fn fields(&self) -> AuditFields<'_> {
        AuditFields {
            seq: self.seq,
            at_us: self.at_us,
            tenant_id: self.tenant_id,
            actor: &self.actor,
            action: &self.action,
            object: &self.object,
            summary: &self.summary,
        }
    }
}

/// Why the chain does not hold at an entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("entry {seq}: its contents do not match its hash (edited after it was written)")]
    HashMismatch { seq: i64 },
    #[error("entry {seq}: it does not follow the entry before it (an entry was removed or reordered)")]
    PrevMismatch { seq: i64 },
    #[error("entry {seq}: expected sequence number {expected} (an entry is missing)")]
    Gap { seq: i64, expected: i64 },
}

impl ChainBreak {
    pub fn seq(&self) -> i64 {
        match self {
            ChainBreak::HashMismatch { seq } | ChainBreak::PrevMismatch { seq } | ChainBreak::Gap { seq, .. } => *seq,
        }
    }
}

/// Incremental verifier: feed entries in sequence order.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    prev_hash: String,
    next_seq: i64,
    checked: u64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self { prev_hash: GENESIS_HASH.to_string(), next_seq: 1, checked: 0 }
    }
}

impl ChainVerifier {
    pub fn check(&mut self, entry: &StoredAuditEntry) -> Result<(), ChainBreak> {
        if entry.seq != self.next_seq {
            return Err(ChainBreak::Gap { seq: entry.seq, expected: self.next_seq });
        }
        if entry.prev_hash != self.prev_hash {
            return Err(ChainBreak::PrevMismatch { seq: entry.seq });
        }
        if chain_hash(&entry.prev_hash, &entry.fields()) != entry.hash {
            return Err(ChainBreak::HashMismatch { seq: entry.seq });
        }
        self.prev_hash.clone_from(&entry.hash);
        self.next_seq += 1;
        self.checked += 1;
        Ok(())
    }

    pub fn checked(&self) -> u64 {
        self.checked
    }

    pub fn last_hash(&self) -> &str {
        &self.prev_hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<StoredAuditEntry> {
        let mut prev = GENESIS_HASH.to_string();
        (1..=n)
            .map(|seq| {
                let mut e = StoredAuditEntry {
                    seq,
                    at_us: 1_700_000_000_000_000 + seq,
                    tenant_id: Some(1),
                    actor: "user:1".into(),
                    action: "organisation.create".into(),
                    object: format!("organisation:{seq}"),
                    summary: "{}".into(),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                e.hash = chain_hash(&prev, &e.fields());
                prev.clone_from(&e.hash);
                e
            })
            .collect()
    }

    fn verify(entries: &[StoredAuditEntry]) -> Result<u64, ChainBreak> {
        let mut v = ChainVerifier::default();
        for e in entries {
            v.check(e)?;
        }
        Ok(v.checked())
    }

    #[test]
    fn intact_chain_verifies() {
        assert_eq!(verify(&chain(5)), Ok(5));
    }

    #[test]
    fn edit_is_found_at_the_edited_entry() {
        let mut entries = chain(5);
        entries[2].summary = "{\"amount\":1}".into();
        assert_eq!(verify(&entries), Err(ChainBreak::HashMismatch { seq: 3 }));
    }

    #[test]
    fn removal_and_rewrite_are_found() {
        let mut entries = chain(5);
        entries.remove(1);
        assert_eq!(verify(&entries), Err(ChainBreak::Gap { seq: 3, expected: 2 }));
        let mut entries = chain(5);
        // Rewrite entry 2 consistently with its own hash: entry 3 no longer follows it.
        entries[1].object = "organisation:99".into();
        entries[1].hash = chain_hash(&entries[1].prev_hash, &entries[1].fields());
        assert_eq!(verify(&entries), Err(ChainBreak::PrevMismatch { seq: 3 }));
    }

    #[test]
    fn fields_are_not_ambiguous() {
        let a = AuditFields { seq: 1, at_us: 1, tenant_id: None, actor: "ab", action: "c", object: "", summary: "" };
        let b = AuditFields { actor: "a", action: "bc", ..a.clone() };
        assert_ne!(chain_hash(GENESIS_HASH, &a), chain_hash(GENESIS_HASH, &b));
    }
}
