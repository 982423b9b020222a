//! Application-generated 64-bit ids (DESIGN.md §7: no database sequences, so instances and
//! shards never collide). Layout: 41 bits of milliseconds since 2024-01-01, 10 bits of node
//! (random per process), 12 bits of sequence within the millisecond.

use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

const EPOCH_MS: i64 = 1_704_067_200_000;

struct State {
    node: i64,
    last_ms: i64,
    seq: i64,
}

static STATE: Mutex<Option<State>> = Mutex::new(None);

/// A new unique id, increasing within a process.
pub fn next_id() -> i64 {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0) - EPOCH_MS;
    let mut guard = STATE.lock().unwrap_or_else(|p| p.into_inner());
    let state = guard.get_or_insert_with(|| State { node: rand::random::<u16>() as i64 & 0x3ff, last_ms: 0, seq: 0 });
    if now > state.last_ms {
        state.last_ms = now;
        state.seq = 0;
    } else {
        state.seq += 1;
        if state.seq > 0xfff {
            // More than 4,096 ids in one millisecond: borrow the next millisecond.
            state.last_ms += 1;
            state.seq = 0;
        }
    }
    (state.last_ms << 22) | (state.node << 12) | state.seq
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_are_unique_and_increasing() {
        let ids: Vec<i64> = (0..20_000).map(|_| super::next_id()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        assert!(ids[0] > 0);
    }
}
