//! A small HTTP/1.1 load generator for `tests/bench/web.sh`: N keep-alive connections, each
//! sending GETs from a URL list for a fixed time, latency recorded per category.
//!
//!     cargo run --release --example webload -- ADDR URLS_FILE CONNECTIONS SECONDS
//!
//! `URLS_FILE` has one `category<TAB>path` per line. Each connection starts at a different place
//! in the list and walks it with a stride, so the mix over all connections is the file's mix.
//! Prints, per category and overall: requests, errors (non-2xx/304), requests/s, p50/p95/p99/max
//! latency in milliseconds, as `name value unit` lines like the other benchmarks.
//!
//! Why not `oha` or `wrk`: neither is packaged for Debian here, and a `cargo install` of oha builds
//! ~300 crates. Latency is measured from writing the request to reading the last body byte.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

type Sample = (usize, u32, bool);

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 5 {
        eprintln!("usage: webload ADDR URLS_FILE CONNECTIONS SECONDS");
        std::process::exit(2);
    }
    let addr = args[1].clone();
    let text = std::fs::read_to_string(&args[2]).expect("read the URL file");
    let connections: usize = args[3].parse().expect("CONNECTIONS");
    let seconds: u64 = args[4].parse().expect("SECONDS");
    let mut categories: Vec<String> = Vec::new();
    let mut urls: Vec<(usize, String)> = Vec::new();
    for line in text.lines() {
        let Some((cat, path)) = line.split_once('\t') else {
            continue;
        };
        let idx = match categories.iter().position(|c| c == cat) {
            Some(i) => i,
            None => {
                categories.push(cat.to_owned());
                categories.len() - 1
            }
        };
        urls.push((idx, path.to_owned()));
    }
    assert!(!urls.is_empty(), "no URLs");
    let urls = std::sync::Arc::new(urls);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..connections {
        let urls = urls.clone();
        let addr = addr.clone();
        tasks.push(tokio::spawn(async move {
            let mut samples: Vec<Sample> = Vec::new();
            let mut i = c * 7919 % urls.len();
            'outer: while Instant::now() < deadline {
                let Ok(stream) = TcpStream::connect(&addr).await else {
                    samples.push((usize::MAX, 0, false));
                    continue;
                };
                stream.set_nodelay(true).ok();
                let mut stream = BufReader::new(stream);
                while Instant::now() < deadline {
                    let (cat, path) = &urls[i];
                    i = (i + 104_729) % urls.len();
                    let t0 = Instant::now();
                    let req = format!(
                        "GET {path} HTTP/1.1\r\nHost: bench\r\nAccept-Encoding: identity\r\n\r\n"
                    );
                    if stream.get_mut().write_all(req.as_bytes()).await.is_err() {
                        samples.push((*cat, 0, false));
                        continue 'outer;
                    }
                    match read_response(&mut stream).await {
                        Some((status, keep)) => {
                            let ok = (200..300).contains(&status) || status == 304;
                            samples.push((*cat, t0.elapsed().as_micros() as u32, ok));
                            if !keep {
                                continue 'outer;
                            }
                        }
                        None => {
                            samples.push((*cat, 0, false));
                            continue 'outer;
                        }
                    }
                }
            }
            samples
        }));
    }
    let mut all: Vec<Sample> = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("join"));
    }
    let wall = started.elapsed().as_secs_f64();
    let mut by: BTreeMap<String, (Vec<u32>, usize)> = BTreeMap::new();
    for (cat, us, ok) in &all {
        let name = categories
            .get(*cat)
            .cloned()
            .unwrap_or_else(|| "connect".into());
        for key in [name, "all".to_owned()] {
            let e = by.entry(key).or_default();
            if *ok {
                e.0.push(*us);
            } else {
                e.1 += 1;
            }
        }
    }
    println!("# {connections} connections, {wall:.1} s");
    for (name, (mut lat, errors)) in by {
        lat.sort_unstable();
        let q = |p: f64| -> f64 {
            if lat.is_empty() {
                return 0.0;
            }
            let i = ((lat.len() as f64 * p).ceil() as usize).clamp(1, lat.len()) - 1;
            lat[i] as f64 / 1000.0
        };
        println!("web_{name}_requests {} count", lat.len());
        println!("web_{name}_errors {errors} count");
        println!("web_{name}_rate {:.0} req/s", lat.len() as f64 / wall);
        println!("web_{name}_p50 {:.2} ms", q(0.50));
        println!("web_{name}_p95 {:.2} ms", q(0.95));
        println!("web_{name}_p99 {:.2} ms", q(0.99));
        println!("web_{name}_max {:.2} ms", q(1.0));
    }
}

/// Reads one response; returns its status and whether the connection stays open.
async fn read_response(stream: &mut BufReader<TcpStream>) -> Option<(u16, bool)> {
    let mut line = String::new();
    stream.read_line(&mut line).await.ok()?;
    let status: u16 = line.split_whitespace().nth(1)?.parse().ok()?;
    let mut length: Option<usize> = None;
    let mut chunked = false;
    let mut keep = true;
    loop {
        line.clear();
        if stream.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        let (k, v) = l.split_once(':')?;
        let v = v.trim();
        match k.to_ascii_lowercase().as_str() {
            "content-length" => length = v.parse().ok(),
            "transfer-encoding" => chunked = v.eq_ignore_ascii_case("chunked"),
            "connection" => keep = !v.eq_ignore_ascii_case("close"),
            _ => {}
        }
    }
    if status == 304 || status == 204 {
        return Some((status, keep));
    }
    if chunked {
        loop {
            line.clear();
            stream.read_line(&mut line).await.ok()?;
            let size = usize::from_str_radix(line.trim().split(';').next()?, 16).ok()?;
            let mut buf = vec![0; size + 2];
            stream.read_exact(&mut buf).await.ok()?;
            if size == 0 {
                break;
            }
        }
    } else if let Some(n) = length {
        let mut buf = vec![0; n];
        stream.read_exact(&mut buf).await.ok()?;
    } else {
        return None;
    }
    Some((status, keep))
}
