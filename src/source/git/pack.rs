//! A reader of git's pack files, for history scans. libgit2 serialises object reads behind its
//! pack locks, keeps one 16 MiB delta-base cache that threads evict from each other, and maps
//! each pack's index whole: a history scan could neither read on two threads at once nor keep
//! its memory small. Here each thread reads with its own small cache and its own file reads, and
//! the walk parses the trees it reads in place (see `history`).
//!
//! It reads what `git gc` and `git repack` write: pack version 2 or 3 with an index of version 2,
//! SHA-1 names, whole objects and deltas on an offset or a name, in the repository's packs and
//! those of its alternates. Anything else — a loose object, a delta on an object in another
//! pack, an alternate written as a quoted path, a pack or index it cannot make sense of — it does
//! not read, and the caller reads it with libgit2, which reports
//! what is wrong. So it only ever makes reading faster; it never decides what is read.
//!
//! The packs are mapped and read in place, with at most [`MAPPED_MAX`] of them resident (see
//! `map`); where a pack cannot be mapped, it is read with `pread` into one window of 512 bytes to
//! 64 KiB per reader. Either way a pack's size does not decide the memory a scan takes. The index
//! is kept in memory without its checksums (24 bytes an object).

use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::io;
use std::path::Path;
use std::sync::Arc;

use flate2::{Decompress, FlushDecompress, Status};
use git2::Oid;

use super::map::{Map, Residency};
use super::repo::path_from_bytes;

#[cfg(unix)]
use std::os::unix::fs::FileExt;

/// What a pack holds an object as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Commit,
    Tree,
    Blob,
    Tag,
}

/// The packs of one object database and its alternates, their indexes read.
pub(super) struct Packs {
    packs: Vec<Pack>,
    /// What the packs' mappings may keep resident, together.
    resident: Residency,
}

struct Pack {
    file: File,
    len: u64,
    /// The pack mapped, read in place; `None` where it could not be (`file` is read instead).
    map: Option<Map>,
    /// The first byte's counts (`fanout[b]`: names whose first byte is at most `b`).
    fanout: [u32; 256],
    /// The names, sorted, 20 bytes each.
    names: Vec<u8>,
    /// Each name's offset; one with the top bit set is an index into `large`.
    offsets: Vec<u32>,
    large: Vec<u64>,
}

const IDX_MAGIC: [u8; 4] = [0xff, b't', b'O', b'c'];
/// An object's header and a delta's base never take more than this (a size of 64 bits in 7-bit
/// groups, then an offset in 7-bit groups or a 20-byte name).
const HEADER_MAX: usize = 32;
const WINDOW: usize = 64 << 10;
/// How much of the mapped packs may stay resident: on the 3,001-commit benchmark (an 8.6 MB
/// pack) 4 MiB took 0.93 of the time of `pread`, 8 MiB 0.90; on the 50,001-commit one (151 MB)
/// both took the time of `pread`, with 4 and 6 MiB more memory.
const MAPPED_MAX: usize = 4 << 20;
/// Most objects take a few hundred bytes packed (335 on average in the 3,001-commit benchmark):
/// a window of 2 KiB for each read 4.5 times the pack's size.
const WINDOW_MIN: usize = 512;
/// Deltas on deltas deeper than this are not followed (git writes 50 unless told, 4,095 at
/// most; a pack whose name deltas form a loop would otherwise never end).
const DEPTH_MAX: usize = 4096;
/// A pack of more objects than this is left to libgit2, which maps its index rather than
/// holding it (24 bytes an object here: 100 MiB at this count).
const OBJECTS_MAX: u64 = 1 << 22;
/// What a cached object costs beyond its bytes (its map slot, queue slot, `Arc` and `Vec`).
const ENTRY_COST: usize = 128;
/// A delta's header (two sizes of 64 bits in 7-bit groups) fits in this.
const DELTA_HEADER_MAX: u64 = 20;

/// How deep alternates may name alternates. git and libgit2 follow one level more; an object
/// that deep is left to libgit2.
const ALTERNATES_DEPTH: usize = 5;

impl Packs {
    /// The packs under `objects/pack` whose index and header this reader understands, then those
    /// of the object databases `objects/info/alternates` names (`git clone --shared`,
    /// `--reference`), and theirs; the rest are left to libgit2.
    pub(super) fn open(objects: &Path) -> Packs {
        let mut packs = Packs {
            packs: Vec::new(),
            resident: Residency::new(MAPPED_MAX),
        };
        let mut dirs = vec![(objects.to_path_buf(), 0)];
        let mut opened = Vec::new();
        while let Some((dir, depth)) = dirs.pop() {
            // Each database once: alternates may name each other.
            let Ok(canonical) = std::fs::canonicalize(&dir) else {
                continue;
            };
            if opened.contains(&canonical) {
                continue;
            }
            opened.push(canonical);
            packs.add_dir(&dir);
            if depth < ALTERNATES_DEPTH {
                // Pushed in reverse: the databases are searched in the order the file lists them.
                dirs.extend(alternates(&dir).into_iter().rev().map(|d| (d, depth + 1)));
            }
        }
        packs
    }

    /// The packs of `objects/pack` under `objects`, by name.
    fn add_dir(&mut self, objects: &Path) {
        let Ok(dir) = std::fs::read_dir(objects.join("pack")) else {
            return;
        };
        let mut idxs: Vec<_> = dir
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "idx"))
            .collect();
        idxs.sort();
        for idx in idxs {
            if let Ok(Some(pack)) = Pack::open(&idx) {
                self.packs.push(pack);
            }
        }
    }

    /// Where the object `id` stands: (pack, offset). Pack `first` is asked first (the one the
    /// last object was in).
    fn find(&self, id: &[u8], first: usize) -> Option<(usize, u64)> {
        if let Some(o) = self.packs.get(first).and_then(|pack| pack.find(id)) {
            return Some((first, o));
        }
        self.packs
            .iter()
            .enumerate()
            .filter(|(p, _)| *p != first)
            .find_map(|(p, pack)| pack.find(id).map(|o| (p, o)))
    }

    /// `want` bytes of a mapped pack at `pos` (fewer at its end); when they spend the budget of
    /// resident pages, every mapping gives its pages back first.
    fn mapped<'a>(&'a self, map: &'a Map, pos: u64, want: usize) -> io::Result<&'a [u8]> {
        let (mut bytes, spent) = map.bytes(pos, want, &self.resident);
        if spent {
            for map in self.packs.iter().filter_map(|p| p.map.as_ref()) {
                map.release(&self.resident);
            }
            // Counted again, in the new round.
            bytes = map.bytes(pos, want, &self.resident).0;
        }
        if bytes.is_empty() {
            return Err(bad("pack ends early"));
        }
        Ok(bytes)
    }

    /// The packs' size in bytes, together.
    pub(super) fn bytes(&self) -> u64 {
        self.packs.iter().map(|p| p.len).sum()
    }

    #[cfg(test)]
    fn count(&self) -> usize {
        self.packs.iter().map(|p| p.offsets.len()).sum()
    }
}

/// The object databases `objects/info/alternates` names, one a line (a path relative to
/// `objects` or absolute; `#` starts a comment). A quoted line (a path with special characters,
/// written C-style) is left out, as is every line of a file over 64 KiB: libgit2 reads what they
/// name, if anything.
fn alternates(objects: &Path) -> Vec<std::path::PathBuf> {
    const MAX: u64 = 64 << 10;
    let path = objects.join("info").join("alternates");
    let Ok(file) = File::open(&path) else {
        return Vec::new();
    };
    let mut text = Vec::new();
    match io::Read::read_to_end(&mut io::Read::take(file, MAX + 1), &mut text) {
        Ok(n) if n as u64 <= MAX => {}
        _ => return Vec::new(),
    }
    text.split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        .filter(|line| !line.is_empty() && !line.starts_with(b"#") && !line.starts_with(b"\""))
        .map(|line| objects.join(path_from_bytes(line)))
        .collect()
}

/// Reads `buf.len()` bytes at `pos`, fewer only at the end of the file.
fn read_full(file: &File, mut buf: &mut [u8], mut pos: u64) -> io::Result<usize> {
    let mut n = 0;
    while !buf.is_empty() {
        #[cfg(unix)]
        let got = match file.read_at(buf, pos) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            got => got?,
        };
        #[cfg(not(unix))]
        let got = {
            use std::os::windows::fs::FileExt;
            match file.seek_read(buf, pos) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                got => got?,
            }
        };
        if got == 0 {
            break;
        }
        n += got;
        pos += got as u64;
        buf = &mut buf[got..];
    }
    Ok(n)
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

impl Pack {
    /// An index of version 2 and its pack, or `None` for what this reader leaves to libgit2.
    fn open(idx: &Path) -> io::Result<Option<Pack>> {
        let idx_file = File::open(idx)?;
        let idx_len = idx_file.metadata()?.len();
        let mut head = [0u8; 8 + 1024];
        if read_full(&idx_file, &mut head, 0)? != head.len()
            || head[..4] != IDX_MAGIC
            || be32(&head[4..8]) != 2
        {
            return Ok(None);
        }
        let mut fanout = [0u32; 256];
        for (i, f) in fanout.iter_mut().enumerate() {
            *f = be32(&head[8 + 4 * i..]);
        }
        if fanout.windows(2).any(|w| w[0] > w[1]) {
            return Ok(None);
        }
        let n = fanout[255] as u64;
        // Header, names, checksums, offsets, large offsets (one fewer than the objects at
        // most), two trailing hashes: a size that fits no SHA-1 index (a truncated one, a
        // SHA-256 repository's mostly) is left to libgit2.
        let fixed = 8 + 1024 + n * 28 + 40;
        if n > OBJECTS_MAX || idx_len < fixed || !(idx_len - fixed).is_multiple_of(8) {
            return Ok(None);
        }
        let n_large = (idx_len - fixed) / 8;
        if n_large > n.saturating_sub(1) {
            return Ok(None);
        }
        let file = File::open(idx.with_extension("pack"))?;
        let len = file.metadata()?.len();
        // Each object takes a few bytes of the pack at least: an index claiming more objects
        // than its pack could hold is not read into memory.
        if n.saturating_mul(4) > len {
            return Ok(None);
        }
        let zeroed = |len: u64| -> io::Result<Vec<u8>> {
            let mut v = Vec::new();
            v.try_reserve_exact(len as usize)
                .map_err(|_| bad("index too large"))?;
            v.resize(len as usize, 0);
            Ok(v)
        };
        let mut names = zeroed(n * 20)?;
        let names_at = 8 + 1024;
        let offsets_at = names_at + n * 24;
        let large_at = offsets_at + n * 4;
        let mut raw = zeroed(n * 4)?;
        let mut large_raw = zeroed(n_large * 8)?;
        if read_full(&idx_file, &mut names, names_at)? != names.len()
            || read_full(&idx_file, &mut raw, offsets_at)? != raw.len()
            || read_full(&idx_file, &mut large_raw, large_at)? != large_raw.len()
        {
            return Ok(None);
        }
        let offsets: Vec<u32> = raw.chunks_exact(4).map(be32).collect();
        drop(raw);
        let large: Vec<u64> = large_raw
            .chunks_exact(8)
            .map(|b| u64::from_be_bytes(b.try_into().expect("8 bytes")))
            .collect();
        let mut pack_head = [0u8; 12];
        if read_full(&file, &mut pack_head, 0)? != 12
            || &pack_head[..4] != b"PACK"
            || !matches!(be32(&pack_head[4..8]), 2 | 3)
            || be32(&pack_head[8..12]) as u64 != n
        {
            return Ok(None);
        }
        let map = Map::new(&file, len);
        Ok(Some(Pack {
            file,
            len,
            map,
            fanout,
            names,
            offsets,
            large,
        }))
    }

    fn find(&self, id: &[u8]) -> Option<u64> {
        let b = id[0] as usize;
        let mut lo = if b == 0 {
            0
        } else {
            self.fanout[b - 1] as usize
        };
        let mut hi = self.fanout[b] as usize;
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.names[mid * 20..mid * 20 + 20].cmp(id) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => {
                    let o = self.offsets[mid];
                    return if o & 0x8000_0000 == 0 {
                        Some(o as u64)
                    } else {
                        self.large.get((o & 0x7fff_ffff) as usize).copied()
                    };
                }
            }
        }
        None
    }
}

/// An object's entry in a pack.
#[derive(Clone, Copy)]
struct Entry {
    offset: u64,
    /// Where its compressed data starts.
    data: u64,
    /// Its size inflated (a delta's, for a delta).
    size: u64,
    what: What,
}

#[derive(Clone, Copy)]
enum What {
    Whole(Kind),
    /// A delta on the object at this offset of the same pack.
    Delta(u64),
}

/// An object read: its kind and bytes, or a blob over the size limit, with its size.
pub(super) enum Read {
    Object(Kind, Arc<Vec<u8>>),
    TooLarge(u64),
}

fn bad(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_string())
}

/// Reads objects out of [`Packs`]: one per thread, each with its own window on the files, its
/// own inflater and its own delta-base cache.
pub(super) struct Reader<'p> {
    packs: &'p Packs,
    window: Window,
    z: Decompress,
    cache: Cache,
    /// The pack the last object was found in.
    last: usize,
}

/// The bytes last read from a pack.
struct Window {
    buf: Vec<u8>,
    /// The pack and where in it `buf` starts; `buf.len()` bytes are valid.
    at: (usize, u64),
}

impl Window {
    /// The bytes of pack `p` from `pos` to the end of the window, at least `HEADER_MAX` of
    /// them unless the pack ends sooner. A window read anew holds `want` bytes (within 512 bytes
    /// and 64 KiB): most objects are small, and reading 64 KiB for each cost a tenth of a history
    /// scan. A mapped pack gives as many bytes in place, counted against the packs' budget of
    /// resident pages; this window is then unused.
    fn bytes<'a>(
        &'a mut self,
        packs: &'a Packs,
        p: usize,
        pos: u64,
        want: usize,
    ) -> io::Result<&'a [u8]> {
        let pack = &packs.packs[p];
        if let Some(map) = &pack.map {
            return packs.mapped(map, pos, want.clamp(WINDOW_MIN, WINDOW));
        }
        let (wp, start) = self.at;
        let end = start + self.buf.len() as u64;
        let fresh = wp != p || pos < start || pos >= end;
        if fresh || (end - pos < HEADER_MAX as u64 && end < pack.len) {
            // Nothing of the window is valid until the read succeeds.
            self.at = (usize::MAX, 0);
            self.buf.resize(want.clamp(WINDOW_MIN, WINDOW), 0);
            let n = read_full(&pack.file, &mut self.buf, pos)?;
            self.buf.truncate(n);
            self.at = (p, pos);
        }
        let from = (pos - self.at.1) as usize;
        if from >= self.buf.len() {
            return Err(bad("pack ends early"));
        }
        Ok(&self.buf[from..])
    }
}

impl<'p> Reader<'p> {
    /// A reader keeping up to `cache` bytes of objects that deltas are made on.
    pub(super) fn new(packs: &'p Packs, cache: usize) -> Reader<'p> {
        Reader {
            packs,
            window: Window {
                buf: Vec::with_capacity(WINDOW),
                at: (usize::MAX, 0),
            },
            z: Decompress::new(true),
            cache: Cache::new(cache),
            last: 0,
        }
    }

    /// The object `id`, or `None` when the packs do not hold it or this reader cannot read it
    /// (the caller asks libgit2). A blob over `max` bytes (0: no limit) is not inflated.
    pub(super) fn read(&mut self, id: Oid, max: u64) -> Option<Read> {
        let (p, offset) = self.packs.find(id.as_bytes(), self.last)?;
        self.last = p;
        self.read_at(p, offset, max).ok()
    }

    fn read_at(&mut self, p: usize, offset: u64, max: u64) -> io::Result<Read> {
        if let Some((kind, data)) = self.cache.get(p, offset) {
            // Built as another's base, it may be over the limit.
            if max > 0 && data.len() as u64 > max {
                return Ok(Read::TooLarge(data.len() as u64));
            }
            return Ok(Read::Object(kind, data));
        }
        // Down the chain of deltas to a whole object or one the cache holds.
        let top = self.entry(p, offset)?;
        // A delta's first bytes say the size of the object it builds. A delta within the limit
        // is inflated whole here, once, for the chain below; a larger one only its first bytes
        // (a delta may be as large as what it builds).
        let mut top_delta = None;
        if max > 0 {
            let size = match top.what {
                What::Whole(_) => top.size,
                What::Delta(_) if top.size <= max => {
                    let delta = self.inflate(p, top.data, top.size, top.size)?;
                    let target = delta_header(&delta)?.1;
                    top_delta = Some(delta);
                    target
                }
                What::Delta(_) => {
                    let head = self.inflate(p, top.data, top.size, DELTA_HEADER_MAX)?;
                    delta_header(&head)?.1
                }
            };
            if size > max {
                return Ok(Read::TooLarge(size));
            }
        }
        let mut chain = Vec::new();
        let mut at = top;
        let (kind, mut data) = loop {
            match at.what {
                What::Whole(kind) => {
                    let data = Arc::new(self.inflate(p, at.data, at.size, at.size)?);
                    self.cache.put(p, at.offset, kind, data.clone());
                    break (kind, data);
                }
                What::Delta(base) => {
                    chain.push(at);
                    if chain.len() > DEPTH_MAX {
                        return Err(bad("delta chain too deep"));
                    }
                    if let Some(hit) = self.cache.get(p, base) {
                        break hit;
                    }
                    at = self.entry(p, base)?;
                }
            }
        };
        // Back up the chain, each object built keeping its place in the cache (its versions
        // nearby are deltas on it).
        for (i, e) in chain.iter().enumerate().rev() {
            let delta = if i == 0
                && let Some(delta) = top_delta.take()
            {
                delta
            } else {
                self.inflate(p, e.data, e.size, e.size)?
            };
            data = Arc::new(apply(&data, &delta)?);
            self.cache.put(p, e.offset, kind, data.clone());
        }
        Ok(Read::Object(kind, data))
    }

    /// The header of the object at `offset` of pack `p`.
    fn entry(&mut self, p: usize, offset: u64) -> io::Result<Entry> {
        let b = self.window.bytes(self.packs, p, offset, 0)?;
        let mut i = 0;
        let mut c = *b.first().ok_or_else(|| bad("pack ends early"))?;
        i += 1;
        let kind = (c >> 4) & 7;
        let mut size = (c & 15) as u64;
        let mut shift = 4;
        while c & 0x80 != 0 {
            c = *b.get(i).ok_or_else(|| bad("pack ends early"))?;
            i += 1;
            if shift > 57 {
                return Err(bad("object size too large"));
            }
            size |= ((c & 0x7f) as u64) << shift;
            shift += 7;
        }
        let what = match kind {
            1 => What::Whole(Kind::Commit),
            2 => What::Whole(Kind::Tree),
            3 => What::Whole(Kind::Blob),
            4 => What::Whole(Kind::Tag),
            6 => {
                let mut c = *b.get(i).ok_or_else(|| bad("pack ends early"))?;
                i += 1;
                let mut back = (c & 0x7f) as u64;
                while c & 0x80 != 0 {
                    c = *b.get(i).ok_or_else(|| bad("pack ends early"))?;
                    i += 1;
                    if back >= 1 << 56 {
                        return Err(bad("delta base offset too large"));
                    }
                    back = ((back + 1) << 7) | (c & 0x7f) as u64;
                }
                if back == 0 || back > offset {
                    return Err(bad("delta base offset out of the pack"));
                }
                What::Delta(offset - back)
            }
            7 => {
                let name = b.get(i..i + 20).ok_or_else(|| bad("pack ends early"))?;
                i += 20;
                // A delta on an object of another pack (a thin pack kept as it came) is left to
                // libgit2.
                let base = self.packs.packs[p]
                    .find(name)
                    .ok_or_else(|| bad("delta base in another pack"))?;
                What::Delta(base)
            }
            _ => return Err(bad("unknown object type")),
        };
        Ok(Entry {
            offset,
            data: offset + i as u64,
            size,
            what,
        })
    }

    /// Inflates the zlib stream at `pos` of pack `p`, of `size` bytes inflated: all of it, to
    /// the stream's end, when `keep` is `size`; else only its first `keep` bytes.
    fn inflate(&mut self, p: usize, mut pos: u64, size: u64, keep: u64) -> io::Result<Vec<u8>> {
        let size = usize::try_from(size).map_err(|_| bad("object too large"))?;
        let keep = usize::try_from(keep).map_or(size, |k| k.min(size));
        // A size no stream of this pack's length could inflate to is a corrupt header; zlib
        // inflates at most about 1,032 bytes from each byte (git's default level makes 1,029
        // of zeros).
        if size as u64 / 1040 > self.packs.packs[p].len + 64 {
            return Err(bad("object size beyond the pack's"));
        }
        let mut out = Vec::new();
        out.try_reserve_exact(keep)
            .map_err(|_| bad("object too large"))?;
        self.z.reset(true);
        // To the stream's end, past the last byte of the object: zlib checks the stream's
        // checksum there, so a pack corrupted into other bytes of the same length is an error,
        // not a wrong object.
        loop {
            let before = (self.z.total_in(), self.z.total_out());
            // Text inflates to twice its size and more.
            let want = (keep - out.len().min(keep)) / 2 + 512;
            let input = self.window.bytes(self.packs, p, pos, want)?;
            let status = if out.len() < keep {
                self.z
                    .decompress_vec(input, &mut out, FlushDecompress::None)
            } else {
                let mut more = [0u8; 1];
                self.z.decompress(input, &mut more, FlushDecompress::None)
            }
            .map_err(|_| bad("corrupt zlib stream"))?;
            if self.z.total_out() > size as u64 {
                return Err(bad("object larger than its header says"));
            }
            let used = self.z.total_in() - before.0;
            pos += used;
            match status {
                Status::StreamEnd => break,
                _ if keep < size && out.len() >= keep => {
                    out.truncate(keep);
                    return Ok(out);
                }
                _ if used == 0 && self.z.total_out() == before.1 => {
                    return Err(bad("zlib stream makes no progress"));
                }
                _ => {}
            }
        }
        if out.len() != size {
            return Err(bad("object size differs from its header"));
        }
        Ok(out)
    }
}

/// A delta's size field: 7 bits a byte, least significant first.
fn varint(b: &[u8], mut i: usize) -> io::Result<(u64, usize)> {
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        let c = *b.get(i).ok_or_else(|| bad("delta ends early"))?;
        i += 1;
        if shift > 63 {
            return Err(bad("delta size too large"));
        }
        v |= ((c & 0x7f) as u64) << shift;
        shift += 7;
        if c & 0x80 == 0 {
            return Ok((v, i));
        }
    }
}

/// A delta's header: the size of its base, of what it builds, and where its instructions start.
fn delta_header(delta: &[u8]) -> io::Result<(u64, u64, usize)> {
    let (src, i) = varint(delta, 0)?;
    let (target, i) = varint(delta, i)?;
    Ok((src, target, i))
}

/// Builds an object from its base and a delta on it: the base's size, the result's, then
/// instructions to copy a span of the base or insert the bytes that follow.
fn apply(base: &[u8], delta: &[u8]) -> io::Result<Vec<u8>> {
    let (src, target, mut i) = delta_header(delta)?;
    if src != base.len() as u64 {
        return Err(bad("delta base size differs"));
    }
    let target = usize::try_from(target).map_err(|_| bad("delta target too large"))?;
    // A delta's instructions copy at most 16 MiB each (7 bytes), or insert what follows them.
    if target as u64 / (16 << 20) > delta.len() as u64 {
        return Err(bad("delta target too large"));
    }
    let mut out = Vec::new();
    out.try_reserve_exact(target)
        .map_err(|_| bad("delta target too large"))?;
    while i < delta.len() {
        let op = delta[i];
        i += 1;
        if op & 0x80 != 0 {
            let mut off = 0u64;
            let mut len = 0u64;
            for bit in 0..4 {
                if op & (1 << bit) != 0 {
                    off |=
                        (*delta.get(i).ok_or_else(|| bad("delta ends early"))? as u64) << (8 * bit);
                    i += 1;
                }
            }
            for bit in 0..3 {
                if op & (0x10 << bit) != 0 {
                    len |=
                        (*delta.get(i).ok_or_else(|| bad("delta ends early"))? as u64) << (8 * bit);
                    i += 1;
                }
            }
            if len == 0 {
                len = 0x10000;
            }
            let span = usize::try_from(off)
                .ok()
                .and_then(|o| base.get(o..o.checked_add(len as usize)?))
                .ok_or_else(|| bad("delta copies beyond its base"))?;
            if out.len() + span.len() > target {
                return Err(bad("delta builds more than its size"));
            }
            out.extend_from_slice(span);
        } else if op != 0 {
            let span = delta
                .get(i..i + op as usize)
                .ok_or_else(|| bad("delta ends early"))?;
            i += op as usize;
            if out.len() + span.len() > target {
                return Err(bad("delta builds more than its size"));
            }
            out.extend_from_slice(span);
        } else {
            return Err(bad("delta has a reserved instruction"));
        }
    }
    if out.len() != target {
        return Err(bad("delta builds less than its size"));
    }
    Ok(out)
}

/// Objects recently built, up to a number of bytes, the least recently used let go first
/// (approximately: an entry used since it was queued gets a second turn).
struct Cache {
    /// By pack and offset: when last used, and the object.
    map: HashMap<(usize, u64), Cached>,
    queue: VecDeque<((usize, u64), u64)>,
    bytes: usize,
    cap: usize,
    clock: u64,
}

type Cached = (u64, Kind, Arc<Vec<u8>>);

impl Cache {
    fn new(cap: usize) -> Cache {
        Cache {
            map: HashMap::new(),
            queue: VecDeque::new(),
            bytes: 0,
            cap,
            clock: 0,
        }
    }

    fn get(&mut self, p: usize, offset: u64) -> Option<(Kind, Arc<Vec<u8>>)> {
        self.clock += 1;
        let clock = self.clock;
        self.map.get_mut(&(p, offset)).map(|(used, kind, data)| {
            *used = clock;
            (*kind, data.clone())
        })
    }

    fn put(&mut self, p: usize, offset: u64, kind: Kind, data: Arc<Vec<u8>>) {
        // An object of more than a quarter of the cache would empty it for itself.
        if data.len() > self.cap / 4 || self.map.contains_key(&(p, offset)) {
            return;
        }
        self.clock += 1;
        self.bytes += data.len() + ENTRY_COST;
        self.map.insert((p, offset), (self.clock, kind, data));
        self.queue.push_back(((p, offset), self.clock));
        while self.bytes > self.cap {
            let Some((key, queued)) = self.queue.pop_front() else {
                break;
            };
            let Some((used, _, _)) = self.map.get(&key) else {
                continue;
            };
            if *used != queued {
                let used = *used;
                self.queue.push_back((key, used));
                continue;
            }
            if let Some((_, _, data)) = self.map.remove(&key) {
                self.bytes -= data.len() + ENTRY_COST;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn git(dir: &Path, args: &[&str]) {
        let out = Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .output()
            .expect("git runs");
        assert!(out.status.success(), "git {args:?}: {:?}", out);
    }

    /// A history whose files change a little in each commit, so that `git repack` writes long
    /// chains of deltas; `offsets` picks deltas on offsets or on names.
    fn repo(offsets: bool) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        git(d, &["init", "-q", "-b", "main"]);
        let mut text = String::new();
        for i in 0..60 {
            for f in 0..4 {
                text.push_str(&format!("line {i} of file {f}: {}\n", "x".repeat(i % 7)));
                std::fs::create_dir_all(d.join("sub")).unwrap();
                std::fs::write(d.join(format!("sub/f{f}.txt")), &text).unwrap();
            }
            // A binary file and one of 70 KiB (past a window, and a copy of 0x10000 bytes).
            let big: Vec<u8> = (0..70_000u32)
                .map(|k| (k.wrapping_mul(2654435761) >> 13) as u8 ^ i as u8 & 0x0f)
                .collect();
            std::fs::write(d.join("big.bin"), &big).unwrap();
            git(d, &["add", "-A"]);
            git(d, &["commit", "-q", "-m", &format!("c{i}")]);
        }
        let offsets = format!("repack.useDeltaBaseOffset={offsets}");
        git(
            d,
            &[
                "-c",
                &offsets,
                "repack",
                "-a",
                "-d",
                "-q",
                "--depth=50",
                "--window=50",
                "-f",
            ],
        );
        dir
    }

    /// The name of every object the database holds.
    fn every_id(odb: &git2::Odb) -> Vec<git2::Oid> {
        let mut ids = Vec::new();
        odb.foreach(|id| {
            ids.push(*id);
            true
        })
        .unwrap();
        ids
    }

    /// Every object of the pack, read by this reader with a small cache (chains built again and
    /// again) and a large one, is what libgit2 reads.
    fn same_as_libgit2(offsets: bool) {
        let dir = repo(offsets);
        let repo = git2::Repository::open(dir.path()).unwrap();
        let packs = Packs::open(&repo.path().join("objects"));
        assert_eq!(packs.packs.len(), 1);
        let odb = repo.odb().unwrap();
        let ids = every_id(&odb);
        assert_eq!(packs.count(), ids.len());
        assert!(ids.len() > 300, "{} objects", ids.len());
        // Deltas there are, in chains.
        let mut reader = Reader::new(&packs, 0);
        let deltas = ids
            .iter()
            .filter(|id| {
                let (p, o) = packs.find(id.as_bytes(), 0).unwrap();
                matches!(reader.entry(p, o).unwrap().what, What::Delta(_))
            })
            .count();
        assert!(deltas > ids.len() / 2, "{deltas} deltas of {}", ids.len());
        assert!(packs.packs[0].map.is_some(), "mapped");
        // Mapped; mapped with one chunk resident (its pages given back at each new chunk); read
        // with `pread`.
        let mut tight = Packs::open(&repo.path().join("objects"));
        tight.resident = Residency::new(1);
        let mut unmapped = Packs::open(&repo.path().join("objects"));
        for pack in &mut unmapped.packs {
            pack.map = None;
        }
        let ways = [
            (&packs, 0),
            (&packs, 64 << 10),
            (&packs, 64 << 20),
            (&tight, 0),
            (&unmapped, 0),
            (&unmapped, 64 << 20),
        ];
        for (packs, cache) in ways {
            let mut reader = Reader::new(packs, cache);
            for id in ids.iter().rev() {
                let want = odb.read(*id).unwrap();
                let Some(Read::Object(kind, data)) = reader.read(*id, 0) else {
                    panic!("{id} not read");
                };
                assert_eq!(data.as_slice(), want.data(), "{id}");
                let want_kind = match want.kind() {
                    git2::ObjectType::Commit => Kind::Commit,
                    git2::ObjectType::Tree => Kind::Tree,
                    git2::ObjectType::Blob => Kind::Blob,
                    _ => Kind::Tag,
                };
                assert_eq!(kind, want_kind, "{id}");
                // The size limit is the object's size, as libgit2's header says it.
                let (len, _) = odb.read_header(*id).unwrap();
                assert!(matches!(
                    reader.read(*id, len as u64),
                    Some(Read::Object(..))
                ));
                if len > 0 && cache == 0 {
                    assert!(
                        matches!(reader.read(*id, len as u64 - 1), Some(Read::TooLarge(n)) if n == len as u64)
                    );
                }
            }
        }
        // A name no pack holds is left to libgit2.
        let mut reader = Reader::new(&packs, 1 << 20);
        assert!(reader.read(Oid::from_bytes(&[7; 20]).unwrap(), 0).is_none());
    }

    #[test]
    fn reads_what_libgit2_reads_with_offset_deltas() {
        same_as_libgit2(true);
    }

    #[test]
    fn reads_what_libgit2_reads_with_name_deltas() {
        same_as_libgit2(false);
    }

    #[test]
    fn a_corrupt_pack_is_left_to_libgit2() {
        let dir = repo(true);
        let repo = git2::Repository::open(dir.path()).unwrap();
        let objects = repo.path().join("objects");
        let pack = std::fs::read_dir(objects.join("pack"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == "pack"))
            .unwrap();
        let ids = every_id(&repo.odb().unwrap());
        // Garbage over the whole pack after its header: every read fails, none panics.
        let mut bytes = std::fs::read(&pack).unwrap();
        for (k, b) in bytes.iter_mut().enumerate().skip(12) {
            *b = (k as u32).wrapping_mul(2654435761).to_le_bytes()[1];
        }
        let mut perms = std::fs::metadata(&pack).unwrap().permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        perms.set_readonly(false);
        std::fs::set_permissions(&pack, perms).unwrap();
        std::fs::write(&pack, &bytes).unwrap();
        let packs = Packs::open(&objects);
        let mut reader = Reader::new(&packs, 1 << 20);
        for id in &ids {
            // Mostly unreadable; what reads is whatever the garbage inflates to, never a panic.
            let _ = reader.read(*id, 0);
        }
        // A truncated pack: reads past its end fail cleanly.
        std::fs::write(&pack, &bytes[..bytes.len() / 3]).unwrap();
        let packs = Packs::open(&objects);
        let mut reader = Reader::new(&packs, 1 << 20);
        let failed = ids
            .iter()
            .filter(|id| reader.read(**id, 0).is_none())
            .count();
        assert!(failed > 0);
    }

    #[test]
    fn deltas_out_of_bounds_are_errors() {
        // Copy beyond the base, insert past the end, wrong base size, reserved instruction.
        assert!(apply(b"abc", &[3, 4, 0x91, 0, 4]).is_err());
        assert!(apply(b"abc", &[3, 4, 4, b'a']).is_err());
        assert!(apply(b"abcd", &[3, 1, 1, b'a']).is_err());
        assert!(apply(b"abc", &[3, 1, 0]).is_err());
        assert!(apply(b"abc", &[3, 10, 0x90, 3]).is_err());
        assert_eq!(
            apply(b"abc", &[3, 4, 0x91, 1, 2, 2, b'x', b'y']).unwrap(),
            b"bcxy"
        );
        // A huge target from a tiny delta is refused before any allocation.
        assert!(apply(b"", &[0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]).is_err());
    }

    /// A clone of `src` made with `git clone --shared`.
    fn shared_clone(src: &Path) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        git(
            dir.path(),
            &["clone", "-q", "--shared", src.to_str().unwrap(), "."],
        );
        dir
    }

    /// A clone made with `--shared` holds no pack of its own: its objects are in the packs its
    /// `objects/info/alternates` names, which this reader reads as libgit2 does.
    #[test]
    fn an_alternates_packs_are_read() {
        let src = repo(true);
        let dst = shared_clone(src.path());
        let repo = git2::Repository::open(dst.path()).unwrap();
        let objects = repo.path().join("objects");
        assert!(objects.join("info/alternates").is_file());
        let own = std::fs::read_dir(objects.join("pack")).map_or(0, |d| d.count());
        assert_eq!(own, 0, "the clone has packs of its own");
        let packs = Packs::open(&objects);
        let odb = repo.odb().unwrap();
        let ids = every_id(&odb);
        assert_eq!(packs.count(), ids.len());
        let mut reader = Reader::new(&packs, 1 << 20);
        for id in &ids {
            let Some(Read::Object(_, data)) = reader.read(*id, 0) else {
                panic!("{id} not read");
            };
            assert_eq!(data.as_slice(), odb.read(*id).unwrap().data(), "{id}");
        }
    }

    /// Alternates that name each other, themselves, a missing directory, a comment or a quoted
    /// path: each database is read once, and what cannot be read is left out.
    #[test]
    fn alternates_in_a_loop_are_read_once() {
        let a = repo(true);
        let b = shared_clone(a.path());
        let a_objects = a.path().join(".git/objects");
        let b_objects = b.path().join(".git/objects");
        let list = format!(
            "# a comment\n{}\n{}\n../missing\n\"quoted\"\n\n",
            b_objects.display(),
            a_objects.display()
        );
        std::fs::write(a_objects.join("info/alternates"), &list).unwrap();
        let alone = Packs::open(&a_objects).count();
        let mut only_a = Packs {
            packs: Vec::new(),
            resident: Residency::new(MAPPED_MAX),
        };
        only_a.add_dir(&a_objects);
        assert_eq!(alone, only_a.count());
        assert_eq!(Packs::open(&b_objects).count(), alone);
    }

    /// A path relative to the objects directory, with a CRLF line end, names the database as git
    /// reads it; a file over 64 KiB is left to libgit2 whole.
    #[test]
    fn alternates_relative_with_crlf_and_too_long() {
        let a = repo(true);
        let b = tempfile::tempdir().unwrap();
        git(b.path(), &["init", "-q"]);
        let b_objects = b.path().join(".git/objects");
        let a_objects = a.path().join(".git/objects");
        let want = Packs::open(&a_objects).count();
        assert!(want > 300);
        // Both temporary directories stand in the same one.
        let name = a.path().file_name().unwrap().to_str().unwrap();
        let list = b_objects.join("info/alternates");
        std::fs::write(&list, format!("../../../{name}/.git/objects\r\n")).unwrap();
        assert_eq!(Packs::open(&b_objects).count(), want);
        let long = format!("{}\n{}\n", "#".repeat(70_000), a_objects.display());
        std::fs::write(&list, long).unwrap();
        assert_eq!(Packs::open(&b_objects).count(), 0);
    }
}
