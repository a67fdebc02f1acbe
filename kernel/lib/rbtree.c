/*
 * rbtree.c - the red-black tree of rbtree.h (Bayer 1972; Guibas and
 * Sedgewick 1978 gave it its colours), with NULL for the missing children.
 *
 * Insert goes down as in any search tree (insert_last: down the right-hand
 * edge), hangs the new node there red, then mends the one rule that can
 * break - a red parent - by recolouring up the tree, and at most two
 * rotations. Remove unlinks the node (or, if
 * it has two children, its successor, which takes its place); if what
 * left the tree was black, one path is a black node short, and the mending
 * walks up recolouring, with at most three rotations. Neither compares
 * keys but insert's way down.
 */
#include "lib/rbtree.h"

void rbtree_init(struct rbtree *t, rb_less_t less)
{
    *t = (struct rbtree){.less = less};
}

void rbtree_init_summed(struct rbtree *t, rb_less_t less, rb_summary_t summarize)
{
    *t = (struct rbtree){.less = less, .summarize = summarize};
}

/* A summed tree: recompute the summaries from n up to the root. */
static void summarize_up(struct rbtree *t, struct rb_node *n)
{
    for (; n; n = n->parent)
        t->summarize(n);
}

static bool is_red(const struct rb_node *n) { return n && n->red; }

static struct rb_node *leftmost(struct rb_node *n)
{
    while (n->left)
        n = n->left;
    return n;
}

/* Make the link that pointed at `old` (from its parent, or the root) point
 * at `new`. */
static void relink(struct rbtree *t, struct rb_node *parent, const struct rb_node *old, struct rb_node *new)
{
    if (!parent)
        t->root = new;
    else if (parent->left == old)
        parent->left = new;
    else
        parent->right = new;
}

/* n's child on its left side (else its right), as a place to write. */
static inline struct rb_node **child(struct rb_node *n, bool left) { return left ? &n->left : &n->right; }

/* A rotation at x that takes x down on its `left` side (else its right):
 * its child on the other side, y, takes its place, and x becomes y's child
 * on this side; what y had there goes to x. Written once, and compiled as
 * two functions, one per side: with the side a variable, a tree operation
 * costs some ten instructions more (kmalloc + kfree 747 against 715), with
 * interrupts off. */
static inline __attribute__((always_inline)) void rotate_to(struct rbtree *t, struct rb_node *x, bool left)
{
    struct rb_node *y = *child(x, !left), *inner = *child(y, left);
    *child(x, !left) = inner;
    if (inner)
        inner->parent = x;
    y->parent = x->parent;
    relink(t, x->parent, x, y);
    *child(y, left) = x;
    x->parent = y;
    if (t->summarize) { /* x is now below y: x's first */
        t->summarize(x);
        t->summarize(y);
    }
}

static void rotate_left(struct rbtree *t, struct rb_node *x) { rotate_to(t, x, true); }
static void rotate_right(struct rbtree *t, struct rb_node *x) { rotate_to(t, x, false); }

/* The same, the side a variable: one call or the other. */
static inline void rotate(struct rbtree *t, struct rb_node *x, bool left)
{
    if (left)
        rotate_left(t, x);
    else
        rotate_right(t, x);
}

/* Hang n red at *link under parent, then mend the one rule that can break
 * - a red parent - going up. (Inlined in both inserts: as a call, 24
 * instructions more on each sjf enqueue + pick.) */
static inline __attribute__((always_inline)) void attach(struct rbtree *t, struct rb_node *n, struct rb_node *parent,
                                                         struct rb_node **link, bool smallest)
{
    *n = (struct rb_node){.parent = parent, .red = true};
    *link = n;
    if (smallest)
        t->first = n;
    t->size++;
    if (t->summarize) /* every subtree on the way down has n now */
        summarize_up(t, n);
    while (is_red(n->parent)) {
        struct rb_node *p = n->parent, *g = p->parent; /* g exists: the root is black */
        bool left = p == g->left;
        struct rb_node *uncle = left ? g->right : g->left;
        if (is_red(uncle)) { /* recolour: the problem moves two levels up */
            p->red = uncle->red = false;
            g->red = true;
            n = g;
            continue;
        }
        if (n == (left ? p->right : p->left)) { /* bend the zig-zag straight */
            rotate(t, p, left);
            n = p;
            p = n->parent;
        }
        p->red = false; /* one rotation at g ends it */
        g->red = true;
        rotate(t, g, !left);
    }
    t->root->red = false;
}

void rbtree_insert(struct rbtree *t, struct rb_node *n)
{
    struct rb_node *parent = NULL, **link = &t->root;
    bool smallest = true;
    while (*link) {
        parent = *link;
        if (t->less(n, parent)) {
            link = &parent->left;
        } else {
            link = &parent->right; /* equals go after: first in, first out */
            smallest = false;
        }
    }
    attach(t, n, parent, link, smallest);
}

void rbtree_insert_last(struct rbtree *t, struct rb_node *n)
{
    struct rb_node *parent = NULL, **link = &t->root;
    while (*link) {
        parent = *link;
        link = &parent->right;
    }
    attach(t, n, parent, link, parent == NULL);
}

struct rb_node *rbtree_next(const struct rb_node *n)
{
    if (n->right)
        return leftmost(n->right);
    while (n->parent && n == n->parent->right)
        n = n->parent;
    return n->parent;
}

/* After a black node left the path through `x` (maybe NULL) under
 * `parent`: that path is one black short. Mend it, going up. */
static void mend_removal(struct rbtree *t, struct rb_node *x, struct rb_node *parent)
{
    while (x != t->root && !is_red(x)) {
        bool left = x == parent->left;
        struct rb_node *sib = left ? parent->right : parent->left; /* exists: its side has a black more */
        if (sib->red) { /* make the sibling black: rotate it above parent */
            sib->red = false;
            parent->red = true;
            rotate(t, parent, left);
            sib = left ? parent->right : parent->left;
        }
        struct rb_node *near = left ? sib->left : sib->right, *far = left ? sib->right : sib->left;
        if (!is_red(near) && !is_red(far)) { /* the sibling's side gives a black up too */
            sib->red = true;
            x = parent;
            parent = x->parent;
            continue;
        }
        if (!is_red(far)) { /* move the red to the far side */
            near->red = false;
            sib->red = true;
            rotate(t, sib, !left);
            sib = left ? parent->right : parent->left;
            far = left ? sib->right : sib->left;
        }
        sib->red = parent->red; /* one rotation at parent ends it */
        parent->red = false;
        far->red = false;
        rotate(t, parent, left);
        x = t->root;
    }
    if (x)
        x->red = false;
}

void rbtree_remove(struct rbtree *t, struct rb_node *n)
{
    if (t->first == n)
        t->first = rbtree_next(n);
    struct rb_node *x, *parent; /* what takes the place of the node that leaves, and its parent */
    bool black_left;
    if (!n->left || !n->right) { /* n leaves; its one child (or none) moves up */
        x = n->left ? n->left : n->right;
        parent = n->parent;
        black_left = !n->red;
        relink(t, parent, n, x);
        if (x)
            x->parent = parent;
    } else { /* its successor s (no left child) leaves its own place and takes n's */
        struct rb_node *s = leftmost(n->right);
        x = s->right;
        black_left = !s->red;
        if (s->parent == n) {
            parent = s;
        } else {
            parent = s->parent;
            parent->left = x;
            if (x)
                x->parent = parent;
            s->right = n->right;
            s->right->parent = s;
        }
        relink(t, n->parent, n, s);
        s->parent = n->parent;
        s->left = n->left;
        s->left->parent = s;
        s->red = n->red;
    }
    if (t->summarize) /* every subtree above where the tree changed lost n */
        summarize_up(t, parent);
    if (black_left)
        mend_removal(t, x, parent);
    t->size--;
    *n = (struct rb_node){0};
}

struct rb_node *rbtree_pop_first(struct rbtree *t)
{
    struct rb_node *n = t->first;
    if (n)
        rbtree_remove(t, n);
    return n;
}
