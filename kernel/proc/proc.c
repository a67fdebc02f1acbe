/*
 * proc.c - spawning a program, ending a process, waiting for it.
 *
 * The table is an array of PROC_MAX slots under proc_lock. A slot goes
 * FREE -> NEW (spawn builds it, unseen) -> ALIVE (whole: its first thread
 * made) -> ZOMBIE (its last thread's exit, whichever way: the exit hook
 * below) -> FREE (reaped: its threads joined, its handles, its address
 * space and every frame in it given back). exit, kill and a
 * fault end the process: end_process kills its other threads. Whoever waits reaps: the parent's
 * wait, the kernel's proc_wait_kernel, or - for a process whose parent
 * ended first - the next spawn or wait (reap_orphans), so nothing needs a
 * task of its own to collect the dead.
 *
 * Loading: elf_parse checks the file; each loadable segment gets fresh
 * zeroed frames (so BSS is zero), its bytes copied in through the kernel's
 * window, its pages writable only if the segment is; the stack gets
 * USER_STACK_PAGES pages with the arguments on top, and the guard page
 * under it stays unmapped.
 */
#include "proc/proc.h"

#include "boot.h"
#include "lib/kmem.h"
#include "lib/kprintf.h"
#include "lib/lang.h"
#include "lib/kstring.h"
#include "lib/panic.h"
#include "mm/frames.h"
#include "proc/elf.h"
#include "sched/sched.h"
#include "sched/task.h"
#include "sync/klock.h"
#include "sync/sync.h"

_Static_assert(TQ_STATUS_KILLED == TASK_EXIT_KILLED, "a killed process's status is its thread's exit code");

/* A process's private part, beside what proc.h shows. */
struct proc_slot {
    struct proc p;
    struct semaphore ended;   /* one unit once it is a ZOMBIE: its waiter's wake-up */
    struct semaphore child_ended; /* a unit each time a child of its becomes a ZOMBIE: wait(any)'s wake-up */
    bool reaping;             /* someone has claimed it for reaping */
    unsigned pins;            /* proc_kill calls, or a child's end, at work on it: it is not freed meanwhile */
    struct thread_start {     /* where each thread enters ring 3 */
        struct proc_slot *slot;
        uintptr_t entry, sp;
    } start[TQ_THREADS_MAX];
    uint32_t joining;         /* bit k: a thread_join of thread k is under way */
    uint32_t creating;        /* bit k: thread_create is making thread k (threads[k] still NULL) */
    bool waited;              /* a wait(pid) sleeps until it ends: no other wait may take it */
};

static struct klock proc_lock; /* guards every slot's state, parent, kernel_waits, reaping, waited; next_pid */
static struct proc_slot slots[PROC_MAX];
static uint32_t next_pid = 1, nr_spawned;

static struct proc_slot *slot_of(struct proc *p) { return (struct proc_slot *)p; }
_Static_assert(__builtin_offsetof(struct proc_slot, p) == 0, "a proc is the start of its slot");

/* ---- Programs: the boot loader's modules --------------------------------- */

const char *proc_program_name(unsigned i)
{
    const struct boot_info *bi = boot_info();
    return bi && i < bi->nmodules ? bi->modules[i].name : NULL;
}

static const struct boot_module *find_program(const char *name)
{
    const struct boot_info *bi = boot_info();
    for (unsigned i = 0; bi && i < bi->nmodules; i++)
        if (kstreq(bi->modules[i].name, name))
            return &bi->modules[i];
    return NULL;
}

/* ---- Loading ----------------------------------------------------------- */

/* Map [va, va + n) (whole pages) with fresh frames; copy `bytes` (nbytes
 * of them, from va on) in. -TQ_ENOMEM if frames run out. */
static int map_fresh(struct proc *p, uintptr_t va, size_t n, const uint8_t *bytes, size_t nbytes, bool write)
{
    uintptr_t first = va & ~(uintptr_t)(ARCH_PAGE_SIZE - 1);
    for (uintptr_t page = first; page < va + n; page += ARCH_PAGE_SIZE) {
        uintptr_t f = frame_alloc();
        if (!f)
            return -TQ_ENOMEM;
        /* The bytes of [va, va + nbytes) that fall in this page. */
        uintptr_t lo = page < va ? va : page, hi = page + ARCH_PAGE_SIZE;
        if (hi > va + nbytes)
            hi = va + nbytes;
        if (hi > lo)
            __builtin_memcpy((void *)(f + (lo - page)), bytes + (lo - va), hi - lo);
        if (arch_space_map(p->space, page, f, write ? ARCH_PAGE_WRITE : 0) < 0) {
            frame_put(f);
            return -TQ_ENOMEM;
        }
        p->pages++;
    }
    return 0;
}

/* A thread's stack: each of the `pages` pages from va that is not mapped
 * yet gets a fresh frame, writable; those a thread before left mapped
 * stay (their old bytes do no harm). -TQ_ENOMEM if frames run out: what
 * was mapped stays, and the next try maps the rest (mapping a page twice
 * would be a kernel bug: arch_space_map asserts it never happens). */
static int map_missing(struct proc *p, uintptr_t va, unsigned pages)
{
    for (unsigned i = 0; i < pages; i++) {
        uintptr_t page = va + i * ARCH_PAGE_SIZE;
        int rc = arch_space_lookup(p->space, page, NULL) ? 0 : map_fresh(p, page, ARCH_PAGE_SIZE, NULL, 0, true);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Put argc, argv[] and the strings at the top of the stack, as crt0 finds
 * them: [sp] = argc, [sp + 4] = argv, argv[argc] = NULL. */
static int push_args(struct proc_slot *s, unsigned argc, char *const argv[])
{
    uintptr_t top_page = USER_STACK_TOP - ARCH_PAGE_SIZE;
    uint8_t *k = (uint8_t *)arch_space_lookup(s->p.space, top_page, NULL); /* the kernel's view of it */
    KASSERT(k != NULL);
    uintptr_t sp = USER_STACK_TOP;
    uintptr_t uargv[TQ_ARGS_MAX + 1];
    for (unsigned i = argc; i-- > 0;) {
        size_t n = 0;
        while (argv[i][n])
            n++;
        sp -= n + 1;
        __builtin_memcpy(k + (sp - top_page), argv[i], n + 1);
        uargv[i] = sp;
    }
    uargv[argc] = 0;
    sp &= ~(uintptr_t)3;
    sp -= (argc + 1) * sizeof(uint32_t);
    uintptr_t argv_at = sp;
    for (unsigned i = 0; i <= argc; i++)
        ((uint32_t *)(k + (sp - top_page)))[i] = (uint32_t)uargv[i];
    sp -= 2 * sizeof(uint32_t);
    ((uint32_t *)(k + (sp - top_page)))[0] = argc;
    ((uint32_t *)(k + (sp - top_page)))[1] = (uint32_t)argv_at;
    s->start[0].sp = sp;
    return 0;
}

/* A thread's body: into ring 3, for good. */
static int thread_main(void *arg)
{
    struct thread_start *st = arg;
    arch_enter_user(st->entry, st->sp);
}

/* A thread of process s, k its id: made, with its space; not started. */
static struct task *thread_new(struct proc_slot *s, unsigned k)
{
    struct task *t = task_new(s->p.name, thread_main, &s->start[k]);
    if (t) {
        t->space = s->p.space;
        t->proc = &s->p;
        t->tail_work |= TASK_TAIL_SPACE; /* (the switch tail gives it its space) */
    }
    return t;
}

/* ---- The table --------------------------------------------------------- */

/* A process that wait, kill, ps and the like may see: not FREE, and not
 * still being built (NEW: its `ended` semaphore, its space, its thread are
 * not all there yet). */
static bool visible(const struct proc *p) { return p->state == PROC_ALIVE || p->state == PROC_ZOMBIE; }

/* A slot's pins are taken under proc_lock (a reaper looks at them under
 * it) and let go outside it, so the two can meet on two CPUs: both are
 * atomic (a plain ++ could write back a count a decrement had just
 * lowered, and the slot would stay pinned, never reaped). */
static void pin(struct proc_slot *s) { __atomic_add_fetch(&s->pins, 1, __ATOMIC_RELAXED); }
static void unpin(struct proc_slot *s) { __atomic_sub_fetch(&s->pins, 1, __ATOMIC_RELEASE); }

static void set_state(struct proc *p, enum proc_state state)
{
    arch_irqstate_t f = klock_irqsave(&proc_lock);
    p->state = state;
    klock_irqrestore(&proc_lock, f);
}

static struct proc_slot *slot_alloc(const char *name, struct proc *parent)
{
    struct proc_slot *s = NULL;
    arch_irqstate_t f = klock_irqsave(&proc_lock);
    for (unsigned i = 0; i < PROC_MAX && !s; i++)
        if (slots[i].p.state == PROC_FREE)
            s = &slots[i];
    if (s) {
        *s = (struct proc_slot){0};
        s->p.state = PROC_NEW; /* (ALIVE once its first thread is made: proc_spawn) */
        s->p.pid = next_pid++;
        s->p.parent = parent;
        s->p.kernel_waits = parent == NULL;
        size_t n = 0;
        for (; name[n] && n + 1 < sizeof s->p.name; n++)
            s->p.name[n] = name[n];
        nr_spawned++;
    }
    klock_irqrestore(&proc_lock, f);
    return s;
}

/* Free a slot whose threads are joined (or never ran) and whose space is gone. */
static void slot_free(struct proc_slot *s)
{
    sem_destroy(&s->ended);
    sem_destroy(&s->child_ended);
    set_state(&s->p, PROC_FREE);
}

static void shared_release(struct proc *p);

/* Reap a ZOMBIE its caller has claimed (reaping set): join its threads
 * (each past its exit hook: this waits only until each is DEAD and off its
 * CPU), then free its handles and its memory. Returns its status. A kill
 * of the caller (its own process ended meanwhile) waits until this is
 * done: ended in a join, it would leave the zombie claimed, and never
 * freed. */
static int reap(struct proc_slot *s)
{
    task_defer_kill();
    while (__atomic_load_n(&s->pins, __ATOMIC_ACQUIRE)) /* a kill is still looking at its threads */
        task_yield();
    for (unsigned k = 0; k < TQ_THREADS_MAX; k++)
        if (s->p.threads[k])
            task_join(s->p.threads[k]);
    shared_release(&s->p);
    for (unsigned h = 0; h < TQ_HANDLES_MAX; h++) /* (no thread is left to wait on them) */
        kfree(s->p.handles[h]);
    arch_space_destroy(s->p.space);
    int status = s->p.status;
    slot_free(s);
    task_allow_kill();
    return status;
}

/* Zombies that nobody will wait for (their parent ended): reap them now. */
static void reap_orphans(void)
{
    for (;;) {
        struct proc_slot *found = NULL;
        arch_irqstate_t f = klock_irqsave(&proc_lock);
        for (unsigned i = 0; i < PROC_MAX && !found; i++) {
            struct proc_slot *s = &slots[i];
            if (s->p.state == PROC_ZOMBIE && !s->p.parent && !s->p.kernel_waits && !s->reaping && !s->pins)
                found = s;
        }
        if (found)
            found->reaping = true;
        klock_irqrestore(&proc_lock, f);
        if (!found)
            return;
        reap(found);
    }
}

/* task_exit's hook (task.h), in an ending thread. The last one makes the
 * process a ZOMBIE, with the status exit, kill or a fault set (else the
 * last thread's own value); its children lose their parent; its waiter is
 * told. */
static int on_thread_exit(struct task *t, int code)
{
    struct proc_slot *s = slot_of(t->proc), *parent = NULL;
    arch_irqstate_t f = klock_irqsave(&proc_lock);
    bool last = --s->p.live == 0;
    if (last) {
        if (!s->p.ending) /* (a thread_exit's value, as exit's: only 0..255 are a process's own) */
            s->p.status = code & 0xff;
        s->p.state = PROC_ZOMBIE;
        for (unsigned i = 0; i < PROC_MAX; i++)
            if (slots[i].p.state != PROC_FREE && slots[i].p.parent == &s->p)
                slots[i].p.parent = NULL; /* an orphan: reap_orphans takes it once it ends */
        if (s->p.parent) {
            parent = slot_of(s->p.parent);
            pin(parent); /* (told below, out of the lock: it is not reaped meanwhile) */
        }
    }
    klock_irqrestore(&proc_lock, f);
    if (parent) { /* (first: its unit is there by the time a waiter wakes on `ended`) */
        sem_up(&parent->child_ended);
        unpin(parent);
    }
    if (last)
        sem_up(&s->ended);
    return code;
}

/* The process of slot s ends with `status` (the first reason given wins):
 * every thread but the caller is killed (it ends at its next return to
 * ring 3, or at once if it waits). */
static void end_process(struct proc_slot *s, int status)
{
    struct task *others[TQ_THREADS_MAX];
    uint32_t ids[TQ_THREADS_MAX];
    unsigned n = 0;
    arch_irqstate_t f = klock_irqsave(&proc_lock);
    if (s->p.state != PROC_ALIVE) { /* (a kill that came as it ended: its own status stays) */
        klock_irqrestore(&proc_lock, f);
        return;
    }
    if (!s->p.ending) {
        s->p.ending = true;
        s->p.status = status;
    }
    for (unsigned k = 0; k < TQ_THREADS_MAX; k++) {
        struct task *t = s->p.threads[k]; /* (in the table: not freed yet, proc_thread_join takes it out first) */
        if (t && t != task_current() && t->state != TASK_DEAD) {
            ids[n] = t->id;
            others[n++] = t;
        }
    }
    pin(s); /* (the kill may switch to a victim, which takes proc_lock as it ends: not held across) */
    klock_irqrestore(&proc_lock, f);
    if (n) /* (a sibling's thread_join may free one meanwhile: by id) */
        task_kill_all_ids(others, ids, n);
    unpin(s);
}

void proc_init(void)
{
    task_exit_hook = on_thread_exit;
    if (!proc_program_name(0))
        return;
    kprintf(TR("programs:", "programmes :"));
    for (unsigned i = 0; proc_program_name(i); i++)
        kprintf("%s %s", i ? "," : "", proc_program_name(i));
    kprintf(TR(" (user programs from the boot loader: run=prog:NAME, or exec NAME in the shell)\n",
               " (programmes utilisateur du chargeur d'amorçage : run=prog:NOM, ou exec NOM dans le shell)\n"));
}

int proc_spawn(const char *name, unsigned argc, char *const argv[], struct proc *parent)
{
    reap_orphans();
    const struct boot_module *m = find_program(name);
    if (!m)
        return -TQ_ENOENT;
    struct elf_image img;
    const char *bad = elf_parse((const void *)m->start, m->end - m->start, ARCH_USER_BASE, USER_IMAGE_TOP,
                                ARCH_PAGE_SIZE, &img);
    if (bad) {
        kprintf(TR("spawn: %s: %s\n", "spawn : %s : %s\n"), name, bad);
        return -TQ_ENOEXEC;
    }
    size_t bytes = 0;
    for (unsigned i = 0; i < argc; i++)
        for (size_t n = 0; argv[i][n]; n++)
            bytes++;
    if (argc > TQ_ARGS_MAX || bytes + argc + (argc + 3) * 4 > ARCH_PAGE_SIZE)
        return -TQ_E2BIG;

    struct proc_slot *s = slot_alloc(name, parent);
    if (!s)
        return -TQ_EAGAIN;
    struct proc *p = &s->p;
    int rc = -TQ_ENOMEM;
    p->space = arch_space_new();
    if (!p->space)
        goto fail;
    for (unsigned i = 0; i < img.nsegments; i++) {
        const struct elf_segment *g = &img.segments[i];
        rc = map_fresh(p, g->vaddr, g->memsz, (const uint8_t *)m->start + g->offset, g->filesz, g->write);
        if (rc < 0)
            goto fail;
    }
    rc = map_fresh(p, USER_STACK_BOTTOM, USER_STACK_TOP - USER_STACK_BOTTOM, NULL, 0, true);
    if (rc < 0)
        goto fail;
    push_args(s, argc, argv);
    s->start[0].slot = s;
    s->start[0].entry = img.entry;
    sem_init(&s->ended, "proc-ended", 0);
    sem_init(&s->child_ended, "proc-child-ended", 0);
    struct task *t = thread_new(s, 0);
    if (!t) {
        rc = -TQ_ENOMEM;
        sem_destroy(&s->ended);
        sem_destroy(&s->child_ended);
        goto fail;
    }
    p->thread = p->threads[0] = t;
    p->live = 1;
    uint32_t pid = p->pid;
    set_state(p, PROC_ALIVE); /* whole: now a wait, a kill, ps may find it */
    task_start_at(t, sched_ticks());
    return (int)pid;
fail:
    if (p->space)
        arch_space_destroy(p->space);
    set_state(p, PROC_FREE);
    return rc;
}

/* Reap s, whose `ended` unit the caller has taken (so it is a ZOMBIE, and
 * the caller's alone): its pid, and its status in *status (if not NULL). */
static int reap_ended(struct proc_slot *s, int *status)
{
    arch_irqstate_t f = klock_irqsave(&proc_lock);
    s->reaping = true;
    klock_irqrestore(&proc_lock, f);
    uint32_t pid = s->p.pid;
    int st = reap(s);
    if (status)
        *status = st;
    return (int)pid;
}

/* Wait until s has ended, then reap it. Killed while waiting, the caller
 * ends here, and its process's end makes s an orphan, which reap_orphans
 * then takes (whoever claimed it to wait: `waited` keeps only other waits
 * off it). */
static int wait_and_reap(struct proc_slot *s, int *status)
{
    sem_down(&s->ended);
    return reap_ended(s, status);
}

/* Wait for process pid if `mine` says it is the caller's to wait for. */
static int wait_for(uint32_t pid, bool (*mine)(const struct proc *p, const void *who), const void *who, int *status)
{
    reap_orphans();
    struct proc_slot *s = NULL;
    arch_irqstate_t f = klock_irqsave(&proc_lock);
    for (unsigned i = 0; i < PROC_MAX && !s; i++)
        if (visible(&slots[i].p) && slots[i].p.pid == pid && !slots[i].reaping && !slots[i].waited &&
            mine(&slots[i].p, who))
            s = &slots[i];
    if (s) /* claimed: another thread's wait(pid) or wait(any) leaves it to us */
        s->waited = true;
    klock_irqrestore(&proc_lock, f);
    if (!s)
        return -TQ_ECHILD; /* (no such child, or another thread waits for it already) */
    /* Ours to wait for: nobody else reaps it meanwhile (reap_orphans takes
     * only the parentless). */
    return wait_and_reap(s, status);
}

/* Wait for whichever child of parent ends first (the first ZOMBIE found,
 * if some are already; not one a wait(pid) has claimed). A ZOMBIE is
 * claimed by taking its `ended` unit (sem_try_down, under proc_lock, as a
 * wait(pid) claims): of two threads of the parent waiting at once, one
 * gets it, and nothing is claimed that a kill could leave half-taken. Each
 * child's end gives a unit of child_ended, which a reaping does not take
 * back: there are always at least as many units as zombies nobody has
 * claimed, so a wait(any) never sleeps beside one. (Taken back, a unit
 * could be one a wait(any) had been woken for: it would sleep on, beside
 * the zombie.) A unit that finds none (another wait took its child) only
 * starts the search again; with no child left, the units left are let go. */
static int wait_any(struct proc *parent, int *status)
{
    for (;;) {
        reap_orphans();
        struct proc_slot *zombie = NULL;
        bool children = false;
        arch_irqstate_t f = klock_irqsave(&proc_lock);
        for (unsigned i = 0; i < PROC_MAX && !zombie; i++) {
            struct proc_slot *s = &slots[i];
            if (!visible(&s->p) || s->p.parent != parent || s->reaping || s->waited)
                continue;
            children = true;
            if (s->p.state == PROC_ZOMBIE)
                zombie = s;
        }
        /* (its unit taken under proc_lock, as a wait(pid) claims under it:
         * the two never take the same child) */
        bool claimed = zombie && sem_try_down(&zombie->ended) == SYNC_OK;
        if (claimed)
            zombie->reaping = true;
        if (!children) /* (under proc_lock: a child's end after this gives its unit after) */
            while (sem_try_down(&slot_of(parent)->child_ended) == SYNC_OK)
                ;
        klock_irqrestore(&proc_lock, f);
        if (claimed)
            return reap_ended(zombie, status);
        if (zombie) {
            task_yield(); /* its unit is on its way, or another wait has it: look again */
            continue;
        }
        if (!children)
            return -TQ_ECHILD;
        sem_down(&slot_of(parent)->child_ended);
    }
}

static bool kernel_child(const struct proc *p, const void *who) { return (void)who, p->kernel_waits; }
static bool child_of(const struct proc *p, const void *who) { return p->parent == who; }

int proc_wait_kernel(uint32_t pid, int *status)
{
    int rc = wait_for(pid, kernel_child, NULL, status);
    return rc < 0 ? rc : 0;
}

int proc_wait_child(struct proc *parent, int32_t pid, int *status)
{
    if (pid == TQ_WAIT_ANY)
        return wait_any(parent, status);
    return pid > 0 ? wait_for((uint32_t)pid, child_of, parent, status) : -TQ_ECHILD;
}

int proc_kill(uint32_t pid)
{
    arch_irqstate_t f = klock_irqsave(&proc_lock);
    struct proc_slot *s = NULL;
    for (unsigned i = 0; i < PROC_MAX && !s; i++)
        if (slots[i].p.state == PROC_ALIVE && slots[i].p.pid == pid)
            s = &slots[i];
    if (!s) {
        klock_irqrestore(&proc_lock, f);
        return -TQ_ESRCH;
    }
    pin(s); /* from here to its end: not reaped, its slot not reused, even if it ends meanwhile */
    klock_irqrestore(&proc_lock, f);
    if (task_current()->proc == &s->p) {
        unpin(s);
        proc_exit_current(TQ_STATUS_KILLED);
    }
    end_process(s, TQ_STATUS_KILLED);
    unpin(s);
    return 0;
}

struct proc *proc_by_pid(uint32_t pid)
{
    for (unsigned i = 0; i < PROC_MAX; i++)
        if (visible(&slots[i].p) && slots[i].p.pid == pid)
            return &slots[i].p;
    return NULL;
}

struct proc *proc_current(void) { return task_current()->proc; }

void proc_for_each(void (*fn)(const struct proc *p, void *ctx), void *ctx)
{
    /* (pids grow, slots are reused: sort by pid, the way ps shows them) */
    uint32_t last = 0;
    for (;;) {
        const struct proc *best = NULL;
        for (unsigned i = 0; i < PROC_MAX; i++) {
            const struct proc *p = &slots[i].p;
            if (visible(p) && p->pid > last && (!best || p->pid < best->pid))
                best = p;
        }
        if (!best)
            return;
        last = best->pid;
        fn(best, ctx);
    }
}

void proc_get_stats(struct proc_stats *out)
{
    arch_irqstate_t f = klock_irqsave(&proc_lock);
    out->processes = 0;
    for (unsigned i = 0; i < PROC_MAX; i++)
        out->processes += slots[i].p.state != PROC_FREE;
    out->spawned = nr_spawned;
    klock_irqrestore(&proc_lock, f);
}

/* ---- Leaving --------------------------------------------------------------- */

void proc_exit_current(int status)
{
    arch_irq_enable();
    end_process(slot_of(proc_current()), status);
    task_exit(status);
}

/* ---- Threads and handles -------------------------------------------------- */

int proc_thread_create(uintptr_t start, uint32_t fn, uint32_t arg)
{
    struct proc_slot *s = slot_of(proc_current());
    if (start < ARCH_USER_BASE || start >= USER_IMAGE_TOP)
        return -TQ_EFAULT;
    unsigned k = 0;
    arch_irqstate_t f = klock_irqsave(&proc_lock);
    for (unsigned i = 1; i < TQ_THREADS_MAX && !k; i++)
        if (!s->p.threads[i] && !((s->joining | s->creating) & (1u << i)))
            k = i;
    if (k) /* Reserved, but no thread yet: a join of k meanwhile finds none (ESRCH). */
        s->creating |= 1u << k;
    klock_irqrestore(&proc_lock, f);
    if (!k)
        return -TQ_EAGAIN;
    uintptr_t top_page = THREAD_STACK_TOP(k) - ARCH_PAGE_SIZE;
    int rc = map_missing(&s->p, THREAD_STACK_BOTTOM(k), THREAD_STACK_PAGES);
    struct task *t = rc < 0 ? NULL : thread_new(s, k);
    if (!t) {
        f = klock_irqsave(&proc_lock);
        s->creating &= ~(1u << k);
        klock_irqrestore(&proc_lock, f);
        return rc < 0 ? rc : -TQ_ENOMEM;
    }
    /* Its first frame, as if start(fn, arg) had been called (and never returns). */
    uint32_t *top = (uint32_t *)(arch_space_lookup(s->p.space, top_page, NULL) + ARCH_PAGE_SIZE);
    top[-1] = arg, top[-2] = fn, top[-3] = 0;
    s->start[k] = (struct thread_start){s, start, THREAD_STACK_TOP(k) - 12};
    f = klock_irqsave(&proc_lock);
    bool ending = s->p.ending;
    if (!ending) {
        s->p.threads[k] = t;
        s->p.live++;
    }
    s->creating &= ~(1u << k);
    klock_irqrestore(&proc_lock, f);
    if (ending) { /* (the process is ending: no new thread) */
        task_discard(t);
        return -TQ_ESRCH;
    }
    task_start_at(t, sched_ticks());
    return (int)k;
}

void proc_thread_exit(int value)
{
    arch_irq_enable();
    task_exit(value); /* (the exit hook makes the last one the process's end) */
}

int proc_thread_join(uint32_t tid, int *value)
{
    struct proc_slot *s = slot_of(proc_current());
    if (tid == 0 || tid >= TQ_THREADS_MAX) /* (thread 0 runs main: when it returns, the process ends) */
        return -TQ_ESRCH;
    arch_irqstate_t f = klock_irqsave(&proc_lock);
    struct task *t = s->p.threads[tid];
    int rc = !t || (s->joining & (1u << tid)) ? -TQ_ESRCH : t == task_current() ? -TQ_EDEADLK : 0;
    if (!rc)
        s->joining |= 1u << tid;
    klock_irqrestore(&proc_lock, f);
    if (rc)
        return rc;
    /* Refused if t is joining the caller, through other joins (the
     * kernel's task_join says so): then t stays, to be joined later, or
     * reaped with the process. */
    int code;
    rc = task_join_keep(t, &code);
    f = klock_irqsave(&proc_lock);
    if (rc == 0)
        s->p.threads[tid] = NULL;
    s->joining &= ~(1u << tid);
    klock_irqrestore(&proc_lock, f);
    if (rc)
        return -TQ_EDEADLK;
    task_release(t); /* (out of the table first: end_process reads it, then kills what it found) */
    *value = code;
    return 0;
}

/* ---- What processes share: segments and semaphores, by key ------------------ */

/* A shared segment: its frames, and how many processes map it (each
 * mapping holds a reference to each frame; the last one's reaping frees
 * them, and the entry). A shared semaphore: its users (handles to it). */
static struct klock shared_lock; /* guards shm[] and named[] */
static struct shm {
    bool used;
    uint32_t key;
    unsigned pages, mappers;
    uintptr_t frames[TQ_SHM_PAGES_MAX];
} shm[TQ_SHM_MAX];
static struct named_sem {
    enum proc_object_kind kind; /* PROC_SEM_SHARED or PROC_MQ; 0: free */
    uint32_t key;               /* (each kind has keys of its own) */
    unsigned users;
    union {
        struct semaphore sem;
        struct {
            struct mailbox mb; /* messages of a length word and TQ_MQ_MSG_MAX bytes */
            uint8_t slots[TQ_MQ_DEPTH][4 + TQ_MQ_MSG_MAX];
        } mq;
    };
} named[2 * TQ_SHM_MAX];

/* A process's object: which kind, and the kernel's primitive itself (or,
 * for a shared semaphore, the one it shares). */
struct proc_object {
    enum proc_object_kind kind;
    union {
        struct mutex mutex;
        struct semaphore sem;
        struct cond cond;
        struct barrier barrier;
        struct named_sem *shared;
    };
};

/* Give o the process's first free handle: the handle, or -TQ_EAGAIN. */
static int handle_install(struct proc *p, struct proc_object *o)
{
    int h = -TQ_EAGAIN;
    arch_irqstate_t f = klock_irqsave(&proc_lock);
    for (unsigned i = 0; i < TQ_HANDLES_MAX && h < 0; i++)
        if (!p->handles[i])
            p->handles[i] = o, h = (int)i;
    klock_irqrestore(&proc_lock, f);
    return h;
}

/* Map segment `slot` into p, shared_lock held (so another thread of p
 * that asks for it meanwhile finds it whole, or not at all). The space
 * takes a reference to each frame: its maker's own, or one more. A slot
 * lies in one page table's span: only its first page may need a frame,
 * for that table, and so fail - before anything is mapped. */
static bool map_segment(struct proc *p, unsigned slot, bool made)
{
    _Static_assert(SHM_BASE % ARCH_TABLE_SPAN == 0 && ARCH_TABLE_SPAN % SHM_SLOT == 0, "a slot in one table");
    uintptr_t base = SHM_BASE + slot * SHM_SLOT;
    for (unsigned i = 0; i < shm[slot].pages; i++) {
        if (!made)
            frame_get(shm[slot].frames[i]);
        if (arch_space_map(p->space, base + i * ARCH_PAGE_SIZE, shm[slot].frames[i], ARCH_PAGE_WRITE) < 0) {
            KASSERT(i == 0); /* (the table is there after the first) */
            if (!made)
                frame_put(shm[slot].frames[i]);
            return false;
        }
    }
    return true;
}

/* Segment `key`'s slot, or -1; shared_lock held. */
static int shm_find(uint32_t key)
{
    for (unsigned i = 0; i < TQ_SHM_MAX; i++)
        if (shm[i].used && shm[i].key == key)
            return (int)i;
    return -1;
}

/* A free slot, or -1; shared_lock held. */
static int shm_free_slot(void)
{
    for (unsigned i = 0; i < TQ_SHM_MAX; i++)
        if (!shm[i].used)
            return (int)i;
    return -1;
}

/* Map segment `key`, made with `pages` pages if nobody has made it yet.
 * An existing segment takes no new frame (but maybe one for a page
 * table): only a segment to make needs its frames, and those are taken
 * with the lock let go, so the lookup is done again once they are in hand
 * (another thread may have made it meanwhile: they go back). */
int proc_shm_map(uint32_t key, uint32_t pages)
{
    struct proc *p = proc_current();
    if (pages == 0 || pages > TQ_SHM_PAGES_MAX)
        return -TQ_EINVAL;
    uintptr_t fresh[TQ_SHM_PAGES_MAX] = {0};
    bool have_fresh = false, made = false;
    arch_irqstate_t f = klock_irqsave(&shared_lock);
    int slot = shm_find(key);
    if (slot < 0 && shm_free_slot() >= 0) { /* one to make: its frames first, the lock let go */
        klock_irqrestore(&shared_lock, f);
        for (unsigned i = 0; i < pages; i++)
            if (!(fresh[i] = frame_alloc())) {
                while (i--)
                    frame_put(fresh[i]);
                return -TQ_ENOMEM;
            }
        have_fresh = true;
        f = klock_irqsave(&shared_lock);
        slot = shm_find(key); /* (another thread may have made it meanwhile) */
        if (slot < 0 && (slot = shm_free_slot()) >= 0) {
            shm[slot] = (struct shm){true, key, pages, 0, {0}};
            __builtin_memcpy(shm[slot].frames, fresh, sizeof fresh);
            made = true;
        }
    }
    if (slot < 0) {
        slot = -TQ_EAGAIN; /* (every slot is in use) */
    } else if (pages > shm[slot].pages) {
        slot = -TQ_EINVAL; /* (more pages than its maker gave it) */
    } else if (!(p->shm_mapped & (1u << slot))) {
        if (map_segment(p, (unsigned)slot, made)) {
            shm[slot].mappers++;
            p->shm_mapped |= 1u << slot;
        } else { /* no frame for its page table */
            if (made)
                shm[slot].used = false; /* (nobody saw it: the lock was held) */
            made = false;               /* (its frames go back, below) */
            slot = -TQ_ENOMEM;
        }
    }
    klock_irqrestore(&shared_lock, f);
    if (have_fresh && !made) /* (not taken over by a new segment) */
        for (unsigned i = 0; i < pages; i++)
            frame_put(fresh[i]);
    return slot < 0 ? slot : (int)(SHM_BASE + (unsigned)slot * SHM_SLOT);
}

static void named_put(struct named_sem *n);

/* At reaping: p no longer maps its segments (arch_space_destroy puts its
 * references to their frames) and no longer uses its shared semaphores. */
static void shared_release(struct proc *p)
{
    arch_irqstate_t f = klock_irqsave(&shared_lock);
    for (unsigned i = 0; i < TQ_SHM_MAX; i++)
        if ((p->shm_mapped & (1u << i)) && --shm[i].mappers == 0)
            shm[i].used = false; /* (the last mapper's space had the last references) */
    for (unsigned h = 0; h < TQ_HANDLES_MAX; h++)
        if (p->handles[h] && (p->handles[h]->kind == PROC_SEM_SHARED || p->handles[h]->kind == PROC_MQ))
            named_put(p->handles[h]->shared);
    klock_irqrestore(&shared_lock, f);
}

/* One user less of a shared object (shared_lock held); the last one
 * destroys it (no user is left: no waiter). */
static void named_put(struct named_sem *n)
{
    if (--n->users)
        return;
    if (n->kind == PROC_SEM_SHARED) /* (a mailbox has no destroy: the next opener initialises it anew) */
        sem_destroy(&n->sem);
    n->kind = 0;
}

/* A handle to the shared object of this kind and key, made (a semaphore
 * with `value` units, or an empty queue) by its first opener. */
static int named_open(enum proc_object_kind kind, uint32_t key, uint32_t value)
{
    struct proc *p = proc_current();
    struct proc_object *o = kzalloc(sizeof *o);
    if (!o)
        return -TQ_ENOMEM;
    o->kind = kind;
    arch_irqstate_t f = klock_irqsave(&shared_lock);
    for (unsigned i = 0; i < 2 * TQ_SHM_MAX && !o->shared; i++)
        if (named[i].kind == kind && named[i].key == key)
            o->shared = &named[i];
    unsigned of_kind = 0;
    for (unsigned i = 0; i < 2 * TQ_SHM_MAX; i++)
        of_kind += named[i].kind == kind;
    for (unsigned i = 0; i < 2 * TQ_SHM_MAX && !o->shared && of_kind < TQ_SHM_MAX; i++)
        if (!named[i].kind) {
            named[i].kind = kind, named[i].key = key, named[i].users = 0;
            if (kind == PROC_MQ)
                mbox_init_sized(&named[i].mq.mb, "user-mq", named[i].mq.slots, TQ_MQ_DEPTH, 4 + TQ_MQ_MSG_MAX);
            else
                sem_init(&named[i].sem, "shared-sem", (int)value);
            o->shared = &named[i];
        }
    if (o->shared)
        o->shared->users++;
    klock_irqrestore(&shared_lock, f);
    if (!o->shared) {
        kfree(o);
        return -TQ_EAGAIN;
    }
    int h = handle_install(p, o);
    if (h < 0) {
        f = klock_irqsave(&shared_lock);
        named_put(o->shared);
        klock_irqrestore(&shared_lock, f);
        kfree(o);
    }
    return h;
}

int proc_sem_open(uint32_t key, uint32_t value)
{
    return value > INT32_MAX ? -TQ_EINVAL : named_open(PROC_SEM_SHARED, key, value);
}

int proc_mq_open(uint32_t key) { return named_open(PROC_MQ, key, 0); }

int proc_handle_new(enum proc_object_kind kind, unsigned value)
{
    struct proc *p = proc_current();
    struct proc_object *o = kzalloc(sizeof *o);
    if (!o)
        return -TQ_ENOMEM;
    o->kind = kind; /* (ready before any thread can name it) */
    if (kind == PROC_MUTEX)
        mutex_init(&o->mutex, "user-mutex");
    else if (kind == PROC_SEM)
        sem_init(&o->sem, "user-sem", (int)value);
    else if (kind == PROC_COND)
        cond_init(&o->cond, "user-cond");
    else
        barrier_init(&o->barrier, "user-barrier", value);
    int h = handle_install(p, o);
    if (h < 0)
        kfree(o); /* (no one waits on it: no one knew it) */
    return h;
}

void *proc_handle(enum proc_object_kind kind, uint32_t h)
{
    struct proc *p = proc_current();
    struct proc_object *o = h < TQ_HANDLES_MAX ? p->handles[h] : NULL;
    if (o && kind == PROC_SEM && o->kind == PROC_SEM_SHARED)
        return &o->shared->sem;
    if (o && kind == PROC_MQ && o->kind == PROC_MQ)
        return &o->shared->mq.mb;
    return o && o->kind == kind ? (void *)&o->mutex : NULL; /* (every member of the union starts there) */
}

void proc_return_to_user(void)
{
    if (task_marked_killed())
        proc_exit_current(TQ_STATUS_KILLED);
}

const char *proc_strerror(int err)
{
    if (!lang_fr())
        return tq_strerror(err); /* (English: the same words as the programs') */
    switch (err < 0 ? -err : err) {
    case 0: return "aucune erreur";
    case TQ_EPERM: return "EPERM (non permis)";
    case TQ_ENOENT: return "ENOENT (aucun programme de ce nom)";
    case TQ_ESRCH: return "ESRCH (aucun processus de ce numéro)";
    case TQ_E2BIG: return "E2BIG (arguments trop nombreux ou trop longs)";
    case TQ_ENOEXEC: return "ENOEXEC (pas un programme que ce noyau exécute)";
    case TQ_EBADF: return "EBADF (pas un descripteur ouvert, ni un identifiant de ce processus)";
    case TQ_ECHILD: return "ECHILD (pas un enfant à attendre)";
    case TQ_EAGAIN: return "EAGAIN (trop de processus, de threads ou d'identifiants)";
    case TQ_ENOMEM: return "ENOMEM (plus de mémoire)";
    case TQ_EFAULT: return "EFAULT (un mauvais pointeur)";
    case TQ_EINVAL: return "EINVAL (un argument hors limites)";
    case TQ_ENAMETOOLONG: return "ENAMETOOLONG (une chaîne trop longue)";
    case TQ_EDEADLK: return "EDEADLK (il attendrait indéfiniment)";
    case TQ_ENOSYS: return "ENOSYS (aucun appel système de ce numéro)";
    case TQ_EOVERFLOW: return "EOVERFLOW (un compteur à son maximum)";
    default: return "erreur inconnue";
    }
}

/* What an address means, for the page-fault report. */
static const char *where(uint32_t a)
{
    if (a < ARCH_PAGE_SIZE)
        return TR("a NULL pointer", "un pointeur NULL");
    if (a < ARCH_USER_BASE)
        return TR("the kernel's memory (supervisor only)", "la mémoire du noyau (superviseur seulement)");
    if (a >= USER_GUARD_BOTTOM && a < USER_STACK_BOTTOM)
        return TR("the guard page under the stack: a stack overflow",
                  "la page de garde sous la pile : un débordement de pile");
    for (unsigned k = 1; k < TQ_THREADS_MAX; k++) /* (each thread's stack has its own, under it) */
        if (a >= THREAD_STACK_BOTTOM(k) - ARCH_PAGE_SIZE && a < THREAD_STACK_BOTTOM(k))
            return TR("the guard page under a thread's stack: a stack overflow",
                      "la page de garde sous la pile d'un thread : un débordement de pile");
    if (a >= ARCH_USER_TOP)
        return TR("past the user window", "au-delà de la fenêtre de l'usager");
    return NULL;
}

void proc_fault(const struct user_fault *f)
{
    struct task *t = task_current();
    struct proc *p = t->proc;
    kprintf(TR("\nFAULT: process %u '%s' (thread %u): %s at EIP=%08x ESP=%08x",
               "\nFAULT: processus %u '%s' (thread %u) : %s à EIP=%08x ESP=%08x"),
            (unsigned)p->pid, p->name, (unsigned)t->id, f->name, f->eip, f->esp);
    if (f->has_addr) {
        const char *w = where(f->addr);
        kprintf(", CR2=%08x (%s %s)", f->addr,
                f->error & 2 ? TR("writing", "en écrivant") : TR("reading", "en lisant"),
                w ? w : TR("an address it may not use that way", "une adresse qu'il ne peut pas utiliser ainsi"));
    }
    kprintf("\n");
    if (f->why)
        kprintf("  %s\n", f->why);
    kprintf(TR("  process %u ends with status %d; the kernel goes on\n",
               "  le processus %u se termine avec le statut %d ; le noyau continue\n"),
            (unsigned)p->pid, TQ_STATUS_FAULT(f->vector));
    proc_exit_current(TQ_STATUS_FAULT((int)f->vector));
}
