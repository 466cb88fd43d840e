//! Message threading: turns a flat set of messages into reply trees with the JWZ algorithm as
//! RFC 5256 specifies it for `THREAD=REFERENCES` (<https://www.jwz.org/doc/threading.html>).
//!
//! This module owns the pure threading core and the two header helpers it needs: extracting
//! Message-IDs from `References`/`In-Reply-To` ([`parse_msg_ids`]) and the RFC 5256 §2.1 base
//! subject ([`base_subject`]). It must not do I/O, parse whole messages or know about the store:
//! callers hand it [`MessageRef`]s (decoded subject, parsed ids, a date) and get [`ThreadNode`]
//! trees back whose `message` fields index into the slice they passed.
//!
//! Invariants, all tested in `tests/it/thread.rs`:
//! - every input message appears exactly once in the output, whatever its headers say;
//! - no input makes it panic, loop forever or recurse: deep chains (10,000 replies) are walked
//!   with explicit stacks, and [`ThreadNode`]'s `Clone`, `PartialEq` and `Drop` are too;
//! - the result depends on the input only through the (date, input position) order of the
//!   messages: shuffling the input changes nothing except the order of date ties (and so, for
//!   duplicated Message-IDs with equal dates, which copy keeps the real id).

use std::collections::{HashMap, HashSet};

/// One message as the threader sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageRef {
    /// Message-ID without angle brackets (surrounding `<>` and whitespace are tolerated and
    /// stripped). Empty means the message has none; it then gets a synthetic unique id.
    pub id: String,
    /// Ids from the `References` header, oldest first (see [`parse_msg_ids`]).
    pub references: Vec<String>,
    /// Ids from `In-Reply-To`; only its first id is used, and only when `references` is empty.
    pub in_reply_to: Vec<String>,
    /// Decoded (RFC 2047) subject; only read when [`Options::group_by_subject`] is set.
    pub subject: String,
    /// Sent date in unix seconds (the `Date` header, or the arrival time when it is missing).
    pub date: i64,
}

/// A node of a thread tree.
///
/// `Clone`, `PartialEq` and `Drop` work without recursion, so a 10,000-message reply chain is
/// safe; only the derived `Debug` recurses. Walk a tree with [`ThreadNode::walk`].
#[derive(Debug)]
pub struct ThreadNode {
    /// Index into the slice given to [`jwz`]; `None` for a ghost: a parent that is referenced
    /// but missing, or (with subject grouping) a dummy that gathers same-subject threads.
    pub message: Option<usize>,
    /// The container's Message-ID. For a ghost it is the missing message's id; for a subject
    /// dummy it is empty. Messages without an id get `<no-id:N>` and later copies of a
    /// duplicated id get `<dup:N:ID>` (N = input index); the `<` marks these as synthetic.
    pub id: String,
    /// Replies, sorted by date (a ghost sorts by its first child), ties by input order.
    pub children: Vec<ThreadNode>,
}

impl ThreadNode {
    /// Depth-first, pre-order walk of this tree yielding `(depth, node)`, the node itself at
    /// depth 0. Uses an explicit stack, so it is safe on arbitrarily deep trees.
    pub fn walk(&self) -> Walk<'_> {
        Walk {
            stack: vec![(0, self)],
        }
    }
}

impl Clone for ThreadNode {
    fn clone(&self) -> Self {
        // Rebuild bottom-up from the pre-order walk: going backwards, every node's children
        // have just been built and wait, last child first, one level below it.
        let mut waiting: Vec<Vec<ThreadNode>> = Vec::new();
        let nodes: Vec<(usize, &ThreadNode)> = self.walk().collect();
        for &(depth, node) in nodes.iter().rev() {
            if waiting.len() < depth + 2 {
                waiting.resize_with(depth + 2, Vec::new);
            }
            let mut children = std::mem::take(&mut waiting[depth + 1]);
            children.reverse();
            waiting[depth].push(ThreadNode {
                message: node.message,
                id: node.id.clone(),
                children,
            });
        }
        waiting.swap_remove(0).pop().unwrap_or_else(|| ThreadNode {
            message: self.message,
            id: self.id.clone(),
            children: Vec::new(),
        })
    }
}

impl PartialEq for ThreadNode {
    fn eq(&self, other: &Self) -> bool {
        // Pre-order sequences with depths and child counts determine the trees.
        let mut a = self.walk();
        let mut b = other.walk();
        loop {
            match (a.next(), b.next()) {
                (None, None) => return true,
                (Some((da, x)), Some((db, y))) => {
                    if da != db
                        || x.message != y.message
                        || x.id != y.id
                        || x.children.len() != y.children.len()
                    {
                        return false;
                    }
                }
                _ => return false,
            }
        }
    }
}

impl Eq for ThreadNode {}

impl Drop for ThreadNode {
    fn drop(&mut self) {
        // The default drop would recurse once per level and overflow on a long reply chain.
        let mut stack = std::mem::take(&mut self.children);
        while let Some(mut node) = stack.pop() {
            stack.append(&mut node.children);
        }
    }
}

/// Iterator returned by [`ThreadNode::walk`].
#[derive(Debug)]
pub struct Walk<'a> {
    stack: Vec<(usize, &'a ThreadNode)>,
}

impl<'a> Iterator for Walk<'a> {
    type Item = (usize, &'a ThreadNode);

    fn next(&mut self) -> Option<Self::Item> {
        let (depth, node) = self.stack.pop()?;
        self.stack
            .extend(node.children.iter().rev().map(|c| (depth + 1, c)));
        Some((depth, node))
    }
}

/// Threading options.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// RFC 5256 step 5: merge root threads that share a base subject (a reply-subject root goes
    /// under the plain-subject one, otherwise both go under a new dummy). Off by default:
    /// on a list archive, unrelated threads called "Question" should stay apart.
    pub group_by_subject: bool,
}

/// Threads `messages` with the RFC 5256 REFERENCES (JWZ) algorithm and returns the roots.
///
/// Roots and every sibling list are sorted by date (a ghost by its first child's), ties by
/// input order. Messages are linked in that same order, so when two messages disagree about
/// an ancestry (a References loop, or a reordered chain) the earlier-dated one wins, and when
/// a Message-ID is duplicated the earliest-dated copy keeps it.
pub fn jwz(messages: &[MessageRef], opts: &Options) -> Vec<ThreadNode> {
    let mut t = Threader::default();
    let mut order: Vec<usize> = (0..messages.len()).collect();
    order.sort_by_key(|&i| (messages[i].date, i));
    for &i in &order {
        t.add(i, &messages[i]);
    }
    let mut forest = t.prune();
    forest.sort(messages);
    if opts.group_by_subject {
        forest.group_by_subject(messages);
        forest.sort(messages);
    }
    forest.into_nodes()
}

/// One id-table entry of step 1: a message, or a ghost for an id seen only in references.
#[derive(Debug)]
struct Container {
    message: Option<usize>,
    id: String,
    parent: Option<usize>,
    /// Number of containers whose `parent` is this one; zero means it cannot be an ancestor.
    child_count: usize,
}

/// Step 1 state: containers linked by parent pointers, which always form a forest.
#[derive(Debug, Default)]
struct Threader {
    containers: Vec<Container>,
    by_id: HashMap<String, usize>,
}

impl Threader {
    fn new_container(&mut self, message: Option<usize>, id: String) -> usize {
        self.containers.push(Container {
            message,
            id,
            parent: None,
            child_count: 0,
        });
        self.containers.len() - 1
    }

    /// The container for a referenced id, created as a ghost if unseen.
    fn lookup(&mut self, id: &str) -> usize {
        if let Some(&c) = self.by_id.get(id) {
            return c;
        }
        let c = self.new_container(None, id.to_owned());
        self.by_id.insert(id.to_owned(), c);
        c
    }

    /// Step 1 for one message: (A) its container, (B) link its References chain, (C) set its
    /// parent to the last reference.
    fn add(&mut self, index: usize, msg: &MessageRef) {
        let own = normalize_id(&msg.id);
        let this = if own.is_empty() {
            self.new_container(Some(index), format!("<no-id:{index}>"))
        } else {
            match self.by_id.get(own) {
                Some(&c) if self.containers[c].message.is_none() => {
                    self.containers[c].message = Some(index);
                    c
                }
                // A duplicate: the first copy keeps the id; this one gets a container nobody
                // can reference, but its own References still place it.
                Some(_) => self.new_container(Some(index), format!("<dup:{index}:{own}>")),
                None => {
                    let c = self.new_container(Some(index), own.to_owned());
                    self.by_id.insert(own.to_owned(), c);
                    c
                }
            }
        };

        let mut seen = HashSet::new();
        let mut refs: Vec<&str> = msg
            .references
            .iter()
            .map(|r| normalize_id(r))
            .filter(|r| !r.is_empty() && *r != own && seen.insert(*r))
            .collect();
        if refs.is_empty() {
            refs.extend(
                msg.in_reply_to
                    .iter()
                    .map(|r| normalize_id(r))
                    .find(|r| !r.is_empty() && *r != own),
            );
        }

        let mut prev: Option<usize> = None;
        for r in &refs {
            let c = self.lookup(r);
            if let Some(p) = prev {
                // Never re-parent here: an existing link came from an earlier message or
                // the referenced message itself, which knows better.
                if self.containers[c].parent.is_none() && !self.would_loop(p, c) {
                    self.link(p, c);
                }
            }
            prev = Some(c);
        }

        // The message itself is authoritative about its parent: drop any link guessed from
        // someone else's References, then link to its own last reference unless that loops.
        self.unlink(this);
        if let Some(p) = prev
            && !self.would_loop(p, this)
        {
            self.link(p, this);
        }
    }

    /// Whether making `child` a child of `parent` would close a cycle.
    fn would_loop(&self, parent: usize, child: usize) -> bool {
        if parent == child {
            return true;
        }
        if self.containers[child].child_count == 0 {
            return false;
        }
        // Is `child` an ancestor of `parent`? The bound only guards against a broken invariant.
        let mut cur = Some(parent);
        let mut steps = 0;
        while let Some(c) = cur {
            if c == child || steps > self.containers.len() {
                return true;
            }
            cur = self.containers[c].parent;
            steps += 1;
        }
        false
    }

    fn link(&mut self, parent: usize, child: usize) {
        self.containers[child].parent = Some(parent);
        self.containers[parent].child_count += 1;
    }

    fn unlink(&mut self, child: usize) {
        if let Some(p) = self.containers[child].parent.take() {
            self.containers[p].child_count -= 1;
        }
    }

    /// Steps 2 and 3: gather the roots and prune ghosts. A ghost below the root level is
    /// replaced by its children; a ghost root with one child is replaced by that child; a ghost
    /// root with several children stays, so siblings of a lost parent remain one thread.
    fn prune(self) -> Forest {
        let n = self.containers.len();
        let mut kids: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut roots = Vec::new();
        for (i, c) in self.containers.iter().enumerate() {
            match c.parent {
                Some(p) => kids[p].push(i),
                None => roots.push(i),
            }
        }

        // Post-order over the forest with an explicit stack; a ghost's pruned children are
        // spliced into its parent's list.
        let mut pruned: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut stack: Vec<(usize, bool)> = roots.iter().rev().map(|&r| (r, false)).collect();
        while let Some((node, expanded)) = stack.pop() {
            if !expanded {
                stack.push((node, true));
                stack.extend(kids[node].iter().map(|&k| (k, false)));
                continue;
            }
            let mut list = Vec::with_capacity(kids[node].len());
            for &k in &kids[node] {
                if self.containers[k].message.is_some() {
                    list.push(k);
                } else {
                    list.append(&mut pruned[k]);
                }
            }
            pruned[node] = list;
        }

        let nodes: Vec<Node> = self
            .containers
            .into_iter()
            .zip(pruned)
            .map(|(c, children)| Node {
                message: c.message,
                id: c.id,
                children,
            })
            .collect();
        let mut final_roots = Vec::new();
        for r in roots {
            if nodes[r].message.is_some() {
                final_roots.push(r);
                continue;
            }
            match nodes[r].children.len() {
                0 => {}
                1 => final_roots.push(nodes[r].children[0]),
                _ => final_roots.push(r),
            }
        }
        // Containers dropped by pruning stay in the arena, unreachable from the roots.
        Forest {
            nodes,
            roots: final_roots,
        }
    }
}

/// A pruned node; `children` index into [`Forest::nodes`].
#[derive(Debug)]
struct Node {
    message: Option<usize>,
    id: String,
    children: Vec<usize>,
}

/// Steps 4 to 6 work on this arena.
#[derive(Debug)]
struct Forest {
    nodes: Vec<Node>,
    roots: Vec<usize>,
}

impl Forest {
    /// Nodes reachable from the roots, parents before children.
    fn preorder(&self) -> Vec<usize> {
        let mut out = Vec::new();
        let mut stack: Vec<usize> = self.roots.iter().rev().copied().collect();
        while let Some(n) = stack.pop() {
            out.push(n);
            stack.extend(self.nodes[n].children.iter().rev());
        }
        out
    }

    /// Steps 4 and 6: sort every sibling list and the roots by (date, input index); a ghost
    /// takes the key of its first child after that child list is sorted.
    fn sort(&mut self, messages: &[MessageRef]) {
        let mut key = vec![(i64::MAX, usize::MAX); self.nodes.len()];
        for &n in self.preorder().iter().rev() {
            let mut children = std::mem::take(&mut self.nodes[n].children);
            children.sort_by_key(|&c| key[c]);
            key[n] = match self.nodes[n].message {
                Some(i) => (messages[i].date, i),
                None => children.first().map_or((i64::MAX, usize::MAX), |&c| key[c]),
            };
            self.nodes[n].children = children;
        }
        let mut roots = std::mem::take(&mut self.roots);
        roots.sort_by_key(|&r| key[r]);
        self.roots = roots;
    }

    /// The message that names a thread: the root, or for a ghost its first (oldest) child.
    fn subject_message(&self, mut node: usize) -> Option<usize> {
        for _ in 0..self.nodes.len() {
            let n = &self.nodes[node];
            if n.message.is_some() {
                return n.message;
            }
            node = *n.children.first()?;
        }
        None
    }

    /// Step 5: gather roots with the same base subject. Expects sorted roots.
    fn group_by_subject(&mut self, messages: &[MessageRef]) {
        let mut cache: HashMap<usize, (String, bool)> = HashMap::new();
        let mut subject_of = |forest: &Forest, root: usize| -> Option<(String, bool)> {
            let m = forest.subject_message(root)?;
            let (base, reply) = cache
                .entry(m)
                .or_insert_with(|| subject_info(&messages[m].subject));
            (!base.is_empty()).then(|| (base.clone(), *reply))
        };
        let is_dummy = |forest: &Forest, n: usize| forest.nodes[n].message.is_none();

        // (B) pick, per subject, the root the others will join: a dummy if there is one,
        // else the first root whose subject is not a reply or forward, else the first root.
        let mut table: HashMap<String, usize> = HashMap::new();
        let roots = self.roots.clone();
        let mut reply_of: HashMap<usize, bool> = HashMap::new();
        for &r in &roots {
            let Some((subject, reply)) = subject_of(self, r) else {
                continue;
            };
            reply_of.insert(r, reply);
            match table.get(&subject) {
                None => {
                    table.insert(subject, r);
                }
                Some(&t) => {
                    let t_reply = reply_of.get(&t).copied().unwrap_or(false);
                    if !is_dummy(self, t) && (is_dummy(self, r) || (t_reply && !reply)) {
                        table.insert(subject, r);
                    }
                }
            }
        }

        // (C) merge every other root into its subject's entry.
        let mut absorbed = vec![false; self.nodes.len()];
        let mut replaced: HashMap<usize, usize> = HashMap::new();
        for &r in &roots {
            if absorbed[r] {
                continue;
            }
            let Some((subject, reply)) = subject_of(self, r) else {
                continue;
            };
            let Some(&t) = table.get(&subject) else {
                continue;
            };
            if t == r {
                continue;
            }
            let t_reply = reply_of.get(&t).copied().unwrap_or(false);
            match (is_dummy(self, t), is_dummy(self, r)) {
                (true, true) => {
                    let mut moved = std::mem::take(&mut self.nodes[r].children);
                    self.nodes[t].children.append(&mut moved);
                }
                (true, false) => self.nodes[t].children.push(r),
                (false, _) if reply && !t_reply && !is_dummy(self, r) => {
                    self.nodes[t].children.push(r)
                }
                _ => {
                    self.nodes.push(Node {
                        message: None,
                        id: String::new(),
                        children: vec![t, r],
                    });
                    let d = self.nodes.len() - 1;
                    absorbed.push(false);
                    absorbed[t] = true;
                    replaced.insert(t, d);
                    table.insert(subject, d);
                }
            }
            absorbed[r] = true;
        }

        // A root that went under a new dummy leaves the dummy in its place.
        self.roots = roots
            .into_iter()
            .filter_map(|r| match replaced.get(&r) {
                Some(&d) => Some(d),
                None => (!absorbed[r]).then_some(r),
            })
            .collect();
    }

    /// Builds the public tree bottom-up without recursion.
    fn into_nodes(mut self) -> Vec<ThreadNode> {
        let mut built: Vec<Option<ThreadNode>> = Vec::new();
        built.resize_with(self.nodes.len(), || None);
        for &n in self.preorder().iter().rev() {
            let node = &mut self.nodes[n];
            let children = node
                .children
                .iter()
                .filter_map(|&c| built[c].take())
                .collect();
            built[n] = Some(ThreadNode {
                message: node.message,
                id: std::mem::take(&mut node.id),
                children,
            });
        }
        self.roots.iter().filter_map(|&r| built[r].take()).collect()
    }
}

/// Trims whitespace and one pair of surrounding angle brackets.
fn normalize_id(id: &str) -> &str {
    let id = id.trim();
    id.strip_prefix('<')
        .and_then(|s| s.strip_suffix('>'))
        .map_or(id, str::trim)
}

/// The RFC 5256 §2.1 base subject: the subject with `Re:`/`Fw:`/`Fwd:` prefixes (any case,
/// optionally with a `[blob]` before the colon), leading `[list-tag]` blobs, trailing `(fwd)`
/// and `[fwd: …]` wrappers removed and whitespace collapsed to single spaces.
///
/// The input must already be decoded from RFC 2047 encoded-words. A subject that is only a
/// blob, such as `[PATCH]`, keeps it rather than becoming empty.
///
/// Calls and their replies are matched by [`crate::workflow::tally::base_subject`] instead, on
/// purpose: that key is lower-cased, drops the `(Ends …)` the server appends to a call and the
/// localized `AW:`/`SV:`/`TR:`/`WG:` prefixes, which this RFC 5256 form keeps. Merging the two
/// would change how the archive threads or which replies a call counts.
pub fn base_subject(subject: &str) -> String {
    subject_info(subject).0
}

/// The base subject and whether extracting it removed a reply/forward marker (`Re:`, `Fwd:`,
/// a `(fwd)` trailer or a `[fwd: …]` wrapper), which RFC 5256 step 5 needs.
fn subject_info(subject: &str) -> (String, bool) {
    // (1) Whitespace: tabs and folding become spaces, runs collapse to one.
    let mut s = String::with_capacity(subject.len());
    for word in subject.split(|c: char| c.is_ascii_whitespace()) {
        if !word.is_empty() {
            if !s.is_empty() {
                s.push(' ');
            }
            s.push_str(word);
        }
    }
    let mut reply = false;
    let mut rest: &str = &s;
    loop {
        // (2) Trailers: "(fwd)" and whitespace.
        loop {
            if let Some(r) = rest.strip_suffix(' ') {
                rest = r;
            } else if ends_with_ignore_case(rest, "(fwd)") {
                rest = &rest[..rest.len() - 5];
                reply = true;
            } else {
                break;
            }
        }
        // (3)-(5) Leaders ("Re:", "[tag] Fwd[2]:", whitespace) and removable blobs, repeated.
        loop {
            if let Some((n, refwd)) = match_leader(rest) {
                rest = &rest[n..];
                reply |= refwd;
                continue;
            }
            if let Some(n) = match_blob(rest)
                && n < rest.len()
            {
                rest = &rest[n..];
                continue;
            }
            break;
        }
        // (6) "[fwd: subject]" wrapper, then start over at (2).
        if rest.len() >= 6 && starts_with_ignore_case(rest, "[fwd:") && rest.ends_with(']') {
            rest = &rest[5..rest.len() - 1];
            reply = true;
            continue;
        }
        break;
    }
    (rest.to_owned(), reply)
}

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len() && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

fn ends_with_ignore_case(s: &str, suffix: &str) -> bool {
    s.len() >= suffix.len()
        && s.as_bytes()[s.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
}

/// Length of whitespace at the start of `s` (only spaces remain after step 1).
fn skip_ws(s: &str) -> usize {
    s.len() - s.trim_start_matches(' ').len()
}

/// `subj-blob = "[" *BLOBCHAR "]" *WSP`: byte length matched at the start of `s`.
fn match_blob(s: &str) -> Option<usize> {
    let inner = s.strip_prefix('[')?;
    let close = inner.find(['[', ']'])?;
    if inner.as_bytes()[close] != b']' {
        return None;
    }
    let n = 1 + close + 1;
    Some(n + skip_ws(&s[n..]))
}

/// `subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"`: byte length matched.
fn match_refwd(s: &str) -> Option<usize> {
    // "fw" is tried after "fwd" so that "fwd:" and "fw d:"-less forms both match.
    let starts = [("re", 2), ("fwd", 3), ("fw", 2)];
    for (word, len) in starts {
        if !starts_with_ignore_case(s, word) {
            continue;
        }
        let n = len + skip_ws(&s[len..]);
        if let Some(b) = match_blob(&s[n..])
            && s[n + b..].starts_with(':')
        {
            return Some(n + b + 1);
        }
        if s[n..].starts_with(':') {
            return Some(n + 1);
        }
    }
    None
}

/// `subj-leader = (*subj-blob subj-refwd) / WSP`: byte length matched and whether it
/// contained a reply/forward marker.
fn match_leader(s: &str) -> Option<(usize, bool)> {
    let ws = skip_ws(s);
    if ws > 0 {
        return Some((ws, false));
    }
    let mut n = 0;
    while let Some(b) = match_blob(&s[n..]) {
        n += b;
    }
    match_refwd(&s[n..]).map(|r| (n + r, true))
}

/// Extracts Message-IDs from a `References` or `In-Reply-To` header value, in order and without
/// duplicates, angle brackets removed.
///
/// Tolerates what real mail contains: folding whitespace (also inside an id, where it is
/// dropped), `(comments)` and `"quoted strings"` (skipped), commas, unterminated brackets and
/// free text such as `Your message of …`. A bare token counts as an id only if it contains `@`.
pub fn parse_msg_ids(header_value: &str) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut push = |id: String| {
        if !id.is_empty() && seen.insert(id.clone()) {
            ids.push(id);
        }
    };
    let chars: Vec<char> = header_value.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '(' => {
                // Comment, possibly nested, with quoted-pairs.
                let mut depth = 0usize;
                while i < chars.len() {
                    match chars[i] {
                        '\\' => i += 1,
                        '(' => depth += 1,
                        ')' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
                i += 1;
            }
            '"' => {
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
            }
            '<' => {
                // Up to the matching '>'; a second '<' first means the first was garbage.
                let start = i + 1;
                let mut j = start;
                while j < chars.len() && chars[j] != '>' && chars[j] != '<' {
                    j += 1;
                }
                if j < chars.len() && chars[j] == '>' {
                    push(
                        chars[start..j]
                            .iter()
                            .filter(|c| !c.is_whitespace())
                            .collect(),
                    );
                    i = j + 1;
                } else if j < chars.len() {
                    i = j;
                } else {
                    // Unterminated: accept its first word if it looks like an id.
                    let word: String = chars[start..]
                        .iter()
                        .take_while(|c| !c.is_whitespace())
                        .collect();
                    if word.contains('@') {
                        push(word);
                    }
                    i = j;
                }
            }
            c if c.is_whitespace() || c == ',' || c == ';' || c == '>' || c == ')' => i += 1,
            _ => {
                let start = i;
                while i < chars.len()
                    && !chars[i].is_whitespace()
                    && !matches!(chars[i], '<' | '(' | '"' | ',' | ';')
                {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                let word = word.trim_matches(|c: char| matches!(c, '.' | ':' | '\'' | '>' | ')'));
                if word.contains('@') && !word.starts_with('@') && !word.ends_with('@') {
                    push(word.to_owned());
                }
            }
        }
    }
    ids
}
