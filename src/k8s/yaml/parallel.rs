//! Splitting YAML work across the machine's cores, keeping order.

use std::num::NonZeroUsize;

/// `f` over consecutive chunks of `items` (at least `min_chunk` each), on
/// up to one thread per core; the results in order.
pub fn map_chunks<T: Sync, R: Send>(
    items: &[T],
    min_chunk: usize,
    f: impl Fn(&[T]) -> R + Sync,
) -> Vec<R> {
    let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
    let threads = cores.min(items.len() / min_chunk.max(1)).max(1);
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
            .map(|h| h.join().expect("a YAML worker panicked"))
            .collect()
    })
}

/// The text cut into about one part per core, each cut just before a
/// `---` line.
pub fn split_documents(text: &str) -> Vec<&str> {
    let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
    let mut parts = Vec::new();
    let mut rest = text;
    for i in (1..cores).rev() {
        let target = rest.len() / (i + 1);
        let Some(at) = rest[target..].find("\n---").map(|p| target + p + 1) else {
            break;
        };
        let marker = &rest[at + 3..];
        if !(marker.is_empty() || marker.starts_with(['\n', ' ', '\r'])) {
            break;
        }
        parts.push(&rest[..at]);
        rest = &rest[at..];
    }
    parts.push(rest);
    parts
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
    fn documents_are_cut_only_at_markers() {
        let text = "---\na: 1\n".repeat(1000);
        let parts = split_documents(&text);
        assert_eq!(parts.concat(), text);
        for p in &parts {
            assert!(p.starts_with("---\n"), "{p:.20}");
        }
    }
}
