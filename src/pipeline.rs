//! Documents in parallel, results in input order, with the consumer
//! working beside the workers.
//!
//! `tifa extract` writes (or loads) each document's results on the main
//! thread. Waiting for a whole chunk, then writing it while the workers
//! idle, left the cores unused for the time the output took; here a
//! feeder thread keeps the pool busy with the next chunk while the main
//! thread consumes the last one. One chunk is being consumed while the
//! next is made (the hand-over waits for both), so memory holds two chunks
//! of documents and results, bounded by the chunk size, not the corpus.
//! Chunks are sized by what the last one weighed: about [`CHUNK_BYTES`]
//! of input per worker, so short articles go in hundreds (each hand-over
//! wakes three threads) and long documents a few at a time.

use rayon::prelude::*;
use rayon::ThreadPool;
use std::sync::mpsc::sync_channel;

/// Documents per worker in the first chunk, before their sizes are
/// known: few, so that memory holds only a few documents even when they
/// are long (a document's results take a few times its size; a long one,
/// while it is extracted, some fifty times).
pub const PER_THREAD: usize = 8;

/// Input bytes per worker that a chunk aims at, once the sizes of the
/// documents are known.
pub const CHUNK_BYTES: usize = 256 << 10;

/// The most documents per worker in one chunk.
const MAX_PER_THREAD: usize = 256;

/// Maps `f` over `items` on `pool`, in chunks, and hands each result to
/// `consume` in input order. The first chunk has `chunk` items; later
/// ones as many as make about [`CHUNK_BYTES`] per worker by the `size` of
/// the last chunk's results (a `size` of 0 for all keeps `chunk`).
/// `consume` runs on the calling thread while the pool computes the next
/// chunk; when it returns an error, no further chunk is started and the
/// error is returned.
pub fn ordered<T, R, E>(
    pool: &ThreadPool,
    items: &[T],
    chunk: usize,
    f: impl Fn(&T) -> R + Sync,
    size: impl Fn(&R) -> usize + Sync,
    mut consume: impl FnMut(R) -> Result<(), E>,
) -> Result<(), E>
where
    T: Sync,
    R: Send,
{
    let (tx, rx) = sync_channel::<Vec<R>>(0);
    let threads = pool.current_num_threads().max(1);
    std::thread::scope(|s| {
        let (f, size) = (&f, &size);
        s.spawn(move || {
            let (mut at, mut n) = (0, chunk.max(1));
            while at < items.len() {
                let group = &items[at..(at + n).min(items.len())];
                at += group.len();
                let results: Vec<R> = pool.install(|| group.par_iter().map(f).collect());
                let bytes: usize = results.iter().map(size).sum();
                if let Some(per_thread) = CHUNK_BYTES.saturating_mul(group.len()).checked_div(bytes)
                {
                    n = per_thread.clamp(1, MAX_PER_THREAD) * threads;
                }
                if tx.send(results).is_err() {
                    break; // the consumer stopped
                }
            }
        });
        for results in rx {
            for r in results {
                consume(r)?;
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(n: usize) -> ThreadPool {
        rayon::ThreadPoolBuilder::new().num_threads(n).build().unwrap()
    }

    #[test]
    fn results_come_in_input_order() {
        let items: Vec<u32> = (0..1000).collect();
        for threads in [1, 2, 3] {
            for chunk in [1, 7, 64, 5000] {
                let mut seen = Vec::new();
                let r: Result<(), ()> = ordered(
                    &pool(threads),
                    &items,
                    chunk,
                    |x| x * 2,
                    |_| 0,
                    |y| {
                        seen.push(y);
                        Ok(())
                    },
                );
                assert!(r.is_ok());
                assert_eq!(seen, items.iter().map(|x| x * 2).collect::<Vec<_>>());
            }
        }
    }

    #[test]
    fn an_error_stops_the_work() {
        let items: Vec<u32> = (0..10_000).collect();
        let done = std::sync::atomic::AtomicUsize::new(0);
        let mut seen = 0;
        let r = ordered(
            &pool(2),
            &items,
            10,
            |x| {
                done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                *x
            },
            |_| 0,
            |x| {
                seen += 1;
                if x == 25 {
                    Err(x)
                } else {
                    Ok(())
                }
            },
        );
        assert_eq!(r, Err(25));
        assert_eq!(seen, 26);
        // The chunks consumed and the one made meanwhile.
        assert!(done.into_inner() <= 40);
    }

    #[test]
    fn chunks_sized_by_weight_keep_the_order() {
        // Items of very different weights: chunks grow and shrink.
        let items: Vec<usize> = (0..3000).map(|i| if i % 700 < 5 { 900_000 } else { 10 }).collect();
        for threads in [1, 2] {
            let mut seen = Vec::new();
            let r: Result<(), ()> = ordered(
                &pool(threads),
                &items,
                3,
                |x| *x,
                |x| *x,
                |y| {
                    seen.push(y);
                    Ok(())
                },
            );
            assert!(r.is_ok());
            assert_eq!(seen, items);
        }
    }

    #[test]
    fn nothing_to_do() {
        let r: Result<(), ()> = ordered(&pool(1), &[] as &[u8], 4, |x| *x, |_| 0, |_| Err(()));
        assert!(r.is_ok());
    }
}
