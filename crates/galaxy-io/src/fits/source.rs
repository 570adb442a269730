//! Reading data units of a plain FITS file from disk, straight into the output buffers.
//!
//! Large reads are split into fixed blocks read in parallel (rayon) with positioned reads
//! (`pread` on Unix, `seek_read` on Windows), each block converted from big-endian into its
//! own slice of the output: the output is allocated once (zeroed lazily by the OS) and the
//! bytes go through a small cache-resident buffer, so there is no whole-file copy. Blocks
//! are disjoint and fixed, so the result does not depend on the number of threads.

use crate::error::{Error, FitsErrorKind, Result};
use rayon::prelude::*;
use std::fs::File;
use std::path::{Path, PathBuf};

/// Bytes per parallel block.
const BLOCK: usize = 4 << 20;
/// Bytes per read inside a block (small enough to stay in cache, below malloc's mmap threshold).
const CHUNK: usize = 64 << 10;

/// An open plain file (not compressed as a whole).
#[derive(Debug)]
pub(crate) struct DiskFile {
    file: File,
    path: PathBuf,
    len: usize,
}

impl DiskFile {
    /// Open a file and note its length.
    pub(crate) fn open(path: &Path) -> Result<DiskFile> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
        let len = usize::try_from(len).map_err(|_| {
            Error::fits(
                None,
                FitsErrorKind::Unsupported,
                format!("file of {len} bytes is too large for this platform"),
            )
            .in_file(&path.display().to_string())
        })?;
        Ok(DiskFile {
            file,
            path: path.to_path_buf(),
            len,
        })
    }

    /// File length in bytes (at open).
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    fn err(&self, e: std::io::Error) -> Error {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            Error::fits(
                None,
                FitsErrorKind::Truncated,
                "the file ended early (was it changed after it was opened?)",
            )
            .in_file(&self.path.display().to_string())
        } else {
            Error::io(&self.path, e)
        }
    }

    /// Fill `buf` from byte offset `pos` (thread-safe: no shared file position).
    pub(crate) fn read_exact_at(&self, buf: &mut [u8], pos: usize) -> Result<()> {
        if pos.checked_add(buf.len()).is_none_or(|end| end > self.len) {
            return Err(Error::fits(
                None,
                FitsErrorKind::Truncated,
                format!(
                    "{} bytes at offset {pos} lie beyond the end of the file ({} bytes)",
                    buf.len(),
                    self.len
                ),
            )
            .in_file(&self.path.display().to_string()));
        }
        positioned_read(&self.file, &self.path, buf, pos as u64).map_err(|e| self.err(e))
    }

    /// `len` bytes from offset `pos`, read in parallel blocks for large ranges.
    pub(crate) fn read_bytes(&self, pos: usize, len: usize) -> Result<Vec<u8>> {
        let mut out = vec![0u8; len];
        if len <= BLOCK {
            self.read_exact_at(&mut out, pos)?;
            return Ok(out);
        }
        out.par_chunks_mut(BLOCK)
            .enumerate()
            .try_for_each(|(b, o)| self.read_exact_at(o, pos + b * BLOCK))?;
        Ok(out)
    }

    /// `n` big-endian elements of `N` bytes from offset `pos`, converted by `conv`.
    pub(crate) fn read_be<const N: usize, T>(
        &self,
        pos: usize,
        n: usize,
        conv: impl Fn([u8; N]) -> T + Sync,
    ) -> Result<Vec<T>>
    where
        T: Copy + Default + Send,
    {
        // `vec![zero; n]` is a zeroed allocation: pages are touched first by the workers
        let mut out = vec![T::default(); n];
        let per_block = (BLOCK / N).max(1);
        let fill = |(b, o): (usize, &mut [T])| -> Result<()> {
            let mut buf = vec![0u8; CHUNK.min(o.len() * N)];
            let per_chunk = (CHUNK / N).max(1);
            for (c, oc) in o.chunks_mut(per_chunk).enumerate() {
                let bytes = &mut buf[..oc.len() * N];
                self.read_exact_at(bytes, pos + (b * per_block + c * per_chunk) * N)?;
                convert_be(bytes, oc, &conv);
            }
            Ok(())
        };
        if n <= per_block {
            fill((0, &mut out))?;
        } else {
            out.par_chunks_mut(per_block)
                .enumerate()
                .try_for_each(fill)?;
        }
        Ok(out)
    }
}

/// Convert big-endian elements of `N` bytes into `out` (`bytes.len() == out.len() * N`).
#[inline]
pub(crate) fn convert_be<const N: usize, T>(
    bytes: &[u8],
    out: &mut [T],
    conv: &(impl Fn([u8; N]) -> T + ?Sized),
) {
    let (chunks, _) = bytes.as_chunks::<N>();
    for (d, c) in out.iter_mut().zip(chunks) {
        *d = conv(*c);
    }
}

#[cfg(unix)]
fn positioned_read(f: &File, _path: &Path, buf: &mut [u8], pos: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(f, buf, pos)
}

#[cfg(windows)]
fn positioned_read(
    f: &File,
    _path: &Path,
    mut buf: &mut [u8],
    mut pos: u64,
) -> std::io::Result<()> {
    while !buf.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(f, buf, pos) {
            Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            Ok(k) => {
                buf = &mut buf[k..];
                pos += k as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(not(any(unix, windows)))]
fn positioned_read(_f: &File, path: &Path, buf: &mut [u8], pos: u64) -> std::io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    // no positioned reads: a private handle per read keeps reads independent
    let mut f = File::open(path)?;
    f.seek(SeekFrom::Start(pos))?;
    f.read_exact(buf)
}
