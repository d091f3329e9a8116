//! The worker's table of objects that outlive a call: what a [`Remote`](super::Remote) names.
//!
//! Slots are reused with a new generation, so an id whose object was freed never names the
//! next object put in its slot; a slot whose generation would wrap is retired. Objects are
//! kept behind their own lock, so one call can use several at once, and a call that asks for
//! an object it is already using gets an error, not a deadlock. The table holds at most
//! [`MAX_OBJECTS`].

use std::any::{Any, TypeId};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::RemoteError;

/// Most objects one worker (one session) holds at once.
pub const MAX_OBJECTS: usize = 4096;

/// Set when this process serves calls as a worker: handles decoded here name this table.
static SERVING: AtomicBool = AtomicBool::new(false);

/// Marks this process as a serving worker (called once, before the first call).
pub(crate) fn mark_serving() {
    SERVING.store(true, Ordering::Release);
}

/// Whether handles decoded in this process name objects of this process.
pub(crate) fn serving() -> bool {
    SERVING.load(Ordering::Acquire)
}

pub(crate) type Object = Arc<Mutex<Box<dyn Any + Send>>>;

struct Slot {
    generation: u32,
    object: Option<(TypeId, Object)>,
}

struct Table {
    slots: Vec<Slot>,
    free: Vec<u32>,
    live: usize,
}

static TABLE: Mutex<Table> = Mutex::new(Table {
    slots: Vec::new(),
    free: Vec::new(),
    live: 0,
});

fn table() -> MutexGuard<'static, Table> {
    // Slots change under the lock only; a panic elsewhere leaves them consistent.
    TABLE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Puts `value` in a free slot and returns its id.
pub(crate) fn insert<T: Any + Send>(value: T) -> Result<(u32, u32), RemoteError> {
    let mut table = table();
    if table.live >= MAX_OBJECTS {
        return Err(RemoteError::TableFull { max: MAX_OBJECTS });
    }
    let object: Object = Arc::new(Mutex::new(Box::new(value)));
    let index = match table.free.pop() {
        Some(index) => index,
        None => {
            let index = u32::try_from(table.slots.len())
                .map_err(|_| RemoteError::TableFull { max: MAX_OBJECTS })?;
            table.slots.push(Slot {
                generation: 0,
                object: None,
            });
            index
        }
    };
    let slot = &mut table.slots[index as usize];
    slot.generation += 1;
    slot.object = Some((TypeId::of::<T>(), object));
    let generation = slot.generation;
    table.live += 1;
    Ok((index, generation))
}

/// The object `(index, generation)` names, if it is live and a `T`.
pub(crate) fn get<T: Any + Send>(index: u32, generation: u32) -> Result<Object, RemoteError> {
    let table = table();
    let slot = table
        .slots
        .get(index as usize)
        .filter(|slot| slot.generation == generation);
    match slot.and_then(|slot| slot.object.as_ref()) {
        Some((type_id, object)) if *type_id == TypeId::of::<T>() => Ok(Arc::clone(object)),
        Some(_) => Err(RemoteError::WrongType {
            expected: std::any::type_name::<T>().to_owned(),
        }),
        None => Err(RemoteError::Stale),
    }
}

/// Frees the objects named, skipping ids that name nothing (already freed, or never issued);
/// returns how many were freed. Destructors run outside the table's lock, one panic does not
/// stop the others.
pub(crate) fn remove_all(ids: &[(u32, u32)]) -> u32 {
    let mut freed = Vec::new();
    {
        let mut table = table();
        for &(index, generation) in ids {
            let Some(slot) = table
                .slots
                .get_mut(index as usize)
                .filter(|slot| slot.generation == generation && slot.object.is_some())
            else {
                continue;
            };
            freed.extend(slot.object.take());
            // A slot whose generation would wrap is never handed out again.
            let reusable = slot.generation < u32::MAX;
            table.live -= 1;
            if reusable {
                table.free.push(index);
            }
        }
    }
    let count = u32::try_from(freed.len()).unwrap_or(u32::MAX);
    for (_, object) in freed {
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(object)));
    }
    count
}

/// Objects alive in this process's table.
pub fn live_objects() -> usize {
    table().live
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freed_ids_stay_dead_when_their_slot_is_reused() {
        let before = live_objects();
        let (index, generation) = insert(5_u32).unwrap();
        assert_eq!(
            *get::<u32>(index, generation)
                .unwrap()
                .lock()
                .unwrap()
                .downcast_ref::<u32>()
                .unwrap(),
            5
        );
        assert!(matches!(
            get::<u64>(index, generation),
            Err(RemoteError::WrongType { .. })
        ));
        assert_eq!(remove_all(&[(index, generation), (index, generation)]), 1);
        assert!(matches!(
            get::<u32>(index, generation),
            Err(RemoteError::Stale)
        ));
        let (again, next) = insert(6_u32).unwrap();
        assert_eq!(again, index);
        assert_ne!(next, generation);
        assert!(matches!(
            get::<u32>(index, generation),
            Err(RemoteError::Stale)
        ));
        assert_eq!(remove_all(&[(again, next), (9_999, 1)]), 1);
        assert_eq!(live_objects(), before);
    }
}
