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

use rayon::prelude::*;
use rayon::ThreadPool;
use std::sync::mpsc::sync_channel;

/// Documents per worker in one chunk: enough that a chunk's hand-over
/// costs little, few enough that memory holds only a few documents (a
/// document's results take a few times its size; a long one, while it
/// is extracted, some fifty times).
pub const PER_THREAD: usize = 8;

/// Maps `f` over `items` on `pool`, in chunks of `chunk`, and hands each
/// result to `consume` in input order. `consume` runs on the calling
/// thread while the pool computes the next chunk; when it returns an
/// error, no further chunk is started and the error is returned.
pub fn ordered<T, R, E>(
    pool: &ThreadPool,
    items: &[T],
    chunk: usize,
    f: impl Fn(&T) -> R + Sync,
    mut consume: impl FnMut(R) -> Result<(), E>,
) -> Result<(), E>
where
    T: Sync,
    R: Send,
{
    let (tx, rx) = sync_channel::<Vec<R>>(0);
    std::thread::scope(|s| {
        let f = &f;
        s.spawn(move || {
            for group in items.chunks(chunk.max(1)) {
                let results: Vec<R> = pool.install(|| group.par_iter().map(f).collect());
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
    fn nothing_to_do() {
        let r: Result<(), ()> = ordered(&pool(1), &[] as &[u8], 4, |x| *x, |_| Err(()));
        assert!(r.is_ok());
    }
}
