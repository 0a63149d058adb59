//! The Coin Metrics replay as a process, for benchmarks: serves the files
//! of `DIR` (`../shared/data/coinmetrics`) through `THROUGH`, prints its
//! base URL on the first line, and on each line read from stdin prints
//! the number of requests received so far (`bench/sources/run.sh`).
//!
//!   cargo run --release -p blockwatt-testkit --example coinmetrics_replay -- DIR THROUGH

use std::io::BufRead;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(through)) = (args.next(), args.next()) else {
        eprintln!("usage: coinmetrics_replay DIR THROUGH (YYYY-MM-DD)");
        std::process::exit(2);
    };
    let replay =
        blockwatt_testkit::coinmetrics_replay::CoinMetricsReplay::start(dir.as_ref(), &through);
    println!("{}", replay.url);
    for line in std::io::stdin().lock().lines() {
        match line.as_deref().map(str::trim) {
            Ok(day) if day.len() == 10 => {
                replay.serve_through(day);
                println!("through {day}");
            }
            Ok(_) => println!("{}", replay.requests()),
            Err(_) => break,
        }
    }
}
