//! Independent work spread over the machine's cores, results in input
//! order, so the output never depends on which thread finished first.

use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// How many threads the machine runs at once.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, NonZeroUsize::get)
}

/// `f` over consecutive chunks of `items` (at least `min_chunk` each), on
/// up to one thread per core; the results in order.
pub fn map_chunks<T: Sync, R: Send>(
    items: &[T],
    min_chunk: usize,
    f: impl Fn(&[T]) -> R + Sync,
) -> Vec<R> {
    let threads = cores().min(items.len() / min_chunk.max(1)).max(1);
    if threads == 1 {
        return vec![f(items)];
    }
    let size = items.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(size)
            .map(|chunk| s.spawn(|| f(chunk)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a worker panicked"))
            .collect()
    })
}

/// `f` over every item, each item taken by the next free thread (one per
/// core): for a few large pieces of work of uneven size. The results in
/// the order of `items`.
pub fn map_each<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = cores().min(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let r = f(item);
                    done.lock().expect("a worker panicked")[i] = Some(r);
                }
            });
        }
    });
    done.into_inner()
        .expect("a worker panicked")
        .into_iter()
        .map(|r| r.expect("every item was worked on"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_keep_their_order() {
        let items: Vec<usize> = (0..10_000).collect();
        let sums = map_chunks(&items, 100, |c| c.to_vec());
        assert_eq!(sums.concat(), items);
        assert_eq!(map_chunks(&items[..5], 100, |c| c.len()), [5]);
    }

    #[test]
    fn each_keeps_the_order_of_the_items() {
        let items: Vec<u64> = (0..50).collect();
        // Uneven work, so threads finish out of order.
        let out = map_each(&items, |&i| {
            std::thread::sleep(std::time::Duration::from_micros((50 - i) * 20));
            i * 2
        });
        assert_eq!(out, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        assert!(map_each(&[] as &[u64], |&i| i).is_empty());
    }
}
