//! Class-to-class connectivity, stored compactly and expanded one row (all
//! destinations of one source class) or one column (all sources of one
//! destination class) at a time.
//!
//! Each class's representative is asked once for its ingress and egress
//! [`Access`]; the peers it admits are folded into classes. A connection
//! from class `s` to class `d` on port `p` is allowed iff egress at `s`
//! admits `d` on `p` AND ingress at `d` admits `s` on `p`. The answer for a
//! pair is a bit mask over the destination's port profile (bit `i` = the
//! `i`-th `(port, protocol)` of the profile), so expanding a row costs two
//! array fills and one AND per class.

use std::collections::HashMap;

use crate::engine::{Access, Engine, ExternalAccess, PortSet};
use crate::k8s::{PolicyType, Protocol};

use super::classes::{Classes, Profile};

/// Offset of the all-zero mask in the mask store.
const ZERO: u32 = 0;

/// The external part of one class's access: `None` when the direction is
/// not isolated (everything admitted).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClassExternal {
    pub ingress: Option<Vec<ExternalAccess>>,
    pub egress: Option<Vec<ExternalAccess>>,
}

/// Compact class-to-class connectivity.
#[derive(Debug, Clone)]
pub struct Matrix {
    n: usize,
    /// `u64` words per mask (profiles longer than 64 ports take several).
    words: usize,
    class_profile: Vec<usize>,
    ingress_isolated: Vec<bool>,
    egress_isolated: Vec<bool>,
    /// Per egress-isolated source class: `(dst class, mask offset)`.
    egress_out: Vec<Vec<(u32, u32)>>,
    /// Transposed: per destination class, `(egress-isolated src, offset)`.
    egress_in: Vec<Vec<(u32, u32)>>,
    /// Per ingress-isolated destination class: `(src class, offset)`.
    ingress_in: Vec<Vec<(u32, u32)>>,
    /// Transposed: per source class, `(ingress-isolated dst, offset)`.
    ingress_out: Vec<Vec<(u32, u32)>>,
    /// Offset of the full mask of each profile.
    full: Vec<u32>,
    store: Vec<u64>,
}

/// Reusable buffers for expanding rows and columns.
#[derive(Debug, Clone, Default)]
pub struct Line {
    a: Vec<u32>,
    b: Vec<u32>,
    /// One mask of `words` words per class.
    masks: Vec<u64>,
    words: usize,
}

impl Line {
    /// The mask for class `c` of the last expanded row or column.
    pub fn mask(&self, c: usize) -> &[u64] {
        &self.masks[c * self.words..(c + 1) * self.words]
    }
}

/// Interns masks per `(port set, profile)`.
struct Builder<'a> {
    words: usize,
    profiles: &'a [Profile],
    port_sets: HashMap<PortSet, usize>,
    ids: HashMap<(usize, usize), u32>,
    store: Vec<u64>,
}

impl Builder<'_> {
    fn offset(&mut self, ports: &PortSet, profile: usize) -> u32 {
        let next = self.port_sets.len();
        let set = match self.port_sets.get(ports) {
            Some(&id) => id,
            None => {
                self.port_sets.insert(ports.clone(), next);
                next
            }
        };
        if let Some(&off) = self.ids.get(&(set, profile)) {
            return off;
        }
        let off = self.push(|(port, proto)| ports.contains(port, proto), profile);
        self.ids.insert((set, profile), off);
        off
    }

    fn push(&mut self, f: impl Fn((u16, Protocol)) -> bool, profile: usize) -> u32 {
        let off = self.store.len();
        self.store.resize(off + self.words, 0);
        for (i, &pp) in self.profiles[profile].iter().enumerate() {
            if f(pp) {
                self.store[off + i / 64] |= 1 << (i % 64);
            }
        }
        u32::try_from(off).unwrap_or(u32::MAX)
    }
}

impl Matrix {
    /// Evaluates every class representative once.
    pub fn new(engine: &Engine<'_>, classes: &Classes) -> (Matrix, Vec<ClassExternal>) {
        let n = classes.len();
        let longest = classes.profiles.iter().map(Vec::len).max().unwrap_or(0);
        let words = longest.div_ceil(64).max(1);
        let mut b = Builder {
            words,
            profiles: &classes.profiles,
            port_sets: HashMap::new(),
            ids: HashMap::new(),
            store: vec![0; words],
        };
        let full = (0..classes.profiles.len())
            .map(|p| b.push(|_| true, p))
            .collect();
        let mut m = Matrix {
            n,
            words,
            class_profile: classes.profile_of.clone(),
            ingress_isolated: vec![false; n],
            egress_isolated: vec![false; n],
            egress_out: vec![Vec::new(); n],
            egress_in: vec![Vec::new(); n],
            ingress_in: vec![Vec::new(); n],
            ingress_out: vec![Vec::new(); n],
            full,
            store: Vec::new(),
        };
        let mut external = Vec::with_capacity(n);
        let mut seen = vec![usize::MAX; n];
        for c in 0..n {
            let rep = classes.representative(c);
            let mut ext = ClassExternal::default();
            if let Access::Some {
                workloads,
                external: e,
            } = engine.ingress_access(rep)
            {
                m.ingress_isolated[c] = true;
                let profile = classes.profile_of[c];
                let mut list = Vec::new();
                for (w, ports) in &workloads {
                    let s = classes.of[*w];
                    if std::mem::replace(&mut seen[s], 2 * c) != 2 * c {
                        list.push((s as u32, b.offset(ports, profile)));
                    }
                }
                list.sort_unstable();
                for &(s, off) in &list {
                    m.ingress_out[s as usize].push((c as u32, off));
                }
                m.ingress_in[c] = list;
                ext.ingress = Some(e);
            }
            if let Access::Some {
                workloads,
                external: e,
            } = engine.egress_access(rep)
            {
                m.egress_isolated[c] = true;
                let mut list = Vec::new();
                for (w, ports) in &workloads {
                    let d = classes.of[*w];
                    if std::mem::replace(&mut seen[d], 2 * c + 1) != 2 * c + 1 {
                        list.push((d as u32, b.offset(ports, classes.profile_of[d])));
                    }
                }
                list.sort_unstable();
                for &(d, off) in &list {
                    m.egress_in[d as usize].push((c as u32, off));
                }
                m.egress_out[c] = list;
                ext.egress = Some(e);
            }
            external.push(ext);
        }
        m.store = b.store;
        (m, external)
    }

    /// Number of classes.
    pub fn len(&self) -> usize {
        self.n
    }

    /// True if there are no classes.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// True if class `c` is isolated in `dir`.
    pub fn isolated(&self, c: usize, dir: PolicyType) -> bool {
        match dir {
            PolicyType::Ingress => self.ingress_isolated[c],
            PolicyType::Egress => self.egress_isolated[c],
        }
    }

    /// A buffer for [`Matrix::row`] and [`Matrix::column`].
    pub fn line(&self) -> Line {
        Line {
            a: vec![ZERO; self.n],
            b: vec![ZERO; self.n],
            masks: vec![0; self.n * self.words],
            words: self.words,
        }
    }

    fn open(&self, isolated: bool, dst: usize) -> u32 {
        if isolated {
            ZERO
        } else {
            self.full[self.class_profile[dst]]
        }
    }

    /// Expands source class `s`: `line.mask(d)` is over `d`'s profile.
    pub fn row(&self, s: usize, line: &mut Line) {
        for d in 0..self.n {
            line.a[d] = self.open(self.egress_isolated[s], d);
            line.b[d] = self.open(self.ingress_isolated[d], d);
        }
        for &(d, off) in &self.egress_out[s] {
            line.a[d as usize] = off;
        }
        for &(d, off) in &self.ingress_out[s] {
            line.b[d as usize] = off;
        }
        self.combine(line);
    }

    /// Expands destination class `d`: `line.mask(s)` is over `d`'s profile.
    pub fn column(&self, d: usize, line: &mut Line) {
        let full = self.full[self.class_profile[d]];
        let ingress = if self.ingress_isolated[d] { ZERO } else { full };
        for s in 0..self.n {
            line.a[s] = if self.egress_isolated[s] { ZERO } else { full };
            line.b[s] = ingress;
        }
        for &(s, off) in &self.egress_in[d] {
            line.a[s as usize] = off;
        }
        for &(s, off) in &self.ingress_in[d] {
            line.b[s as usize] = off;
        }
        self.combine(line);
    }

    fn combine(&self, line: &mut Line) {
        let w = self.words;
        for c in 0..self.n {
            let (a, b) = (line.a[c] as usize, line.b[c] as usize);
            for k in 0..w {
                line.masks[c * w + k] = self.store[a + k] & self.store[b + k];
            }
        }
    }
}

/// True if bit `i` of `mask` is set.
pub fn bit(mask: &[u64], i: usize) -> bool {
    mask.get(i / 64).is_some_and(|w| w >> (i % 64) & 1 == 1)
}

/// Number of set bits.
pub fn count(mask: &[u64]) -> u64 {
    mask.iter().map(|w| u64::from(w.count_ones())).sum()
}
