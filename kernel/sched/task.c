/*
 * task.c - the life of a task: create, start, exit, join, sleep, yield.
 *
 * The scheduler core (sched.c) makes every state change; this file
 * allocates and frees tasks and stacks, and turns the public calls into
 * core calls under the scheduler lock, which also guards the list of all
 * tasks and every task's join links (joiner, joined).
 */
#include "sched/task.h"

#include "tourniquet.h"

#include "lib/kmem.h"
#include "lib/kprintf.h"
#include "lib/kstring.h"
#include "lib/lang.h"
#include "lib/panic.h"
#include "sched/sched.h"
#include "sync/sync_internal.h"

static struct list all_tasks; /* every task not yet joined, by id */
static uint32_t next_id = 1;
static struct task idle_task;

/* Is t a task not yet freed? In O(1), with the scheduler lock held: a
 * task's magic is set before it is on the list of all tasks and cleared
 * before its memory goes back to the heap (which stays mapped, so a stale
 * pointer reads a 0 there, or whatever the heap's next user wrote). A walk
 * of every task, before, held the lock for O(n) at every join and kill. */
#define TASK_MAGIC 0x7a5c0001u
static bool exists(const struct task *t) { return t->magic == TASK_MAGIC; }

/* On and off the list of all tasks, magic and all (the scheduler lock held,
 * or the scheduler not started yet). */
static void enlist(struct task *t)
{
    t->magic = TASK_MAGIC;
    list_push_back(&all_tasks, &t->all_node);
}

static void unlist(struct task *t)
{
    list_remove(&t->all_node);
    t->magic = 0; /* a join or kill of it from now on is told it is gone */
}

static void task_free(struct task *t)
{
    arch_stack_free(t->stack, t->stack_size);
    kfree(t);
}

const char *task_state_name(enum task_state s)
{
    static const char *const names[] = {"NEW", "READY", "RUNNING", "BLOCKED", "SLEEPING", "DEAD"};
    static const char *const noms[] = {"NOUVELLE", "PRÊTE", "ÉLUE", "BLOQUÉE", "ENDORMIE", "TERMINÉE"};
    _Static_assert(sizeof names == sizeof noms, "a name in each language");
    return (unsigned)s < sizeof names / sizeof names[0] ? (lang_fr() ? noms : names)[s] : "?";
}

static void canary_fill(uint8_t *stack)
{
    uint32_t *w = (uint32_t *)stack;
    for (unsigned i = 0; i < TASK_CANARY_ZONE / 4; i++)
        w[i] = TASK_CANARY;
}

static void copy_name(char *dst, const char *src) { kstrlcpy_utf8(dst, src, TASK_NAME_MAX); }

_Static_assert(TASK_NAME_MAX <= 16, "a name fits its two 8-byte keys");

void task_name_changed(struct task *t)
{
    uint32_t w[4] = {0, 0, 0, 0}; /* the name's bytes, big-endian, 4 to a word (NUL-padded) */
    for (unsigned i = 0; i < TASK_NAME_MAX && t->name[i]; i++)
        w[i / 4] |= (uint32_t)(uint8_t)t->name[i] << (24 - 8 * (i % 4));
    t->name_key[0] = (uint64_t)w[0] << 32 | w[1];
    t->name_key[1] = (uint64_t)w[2] << 32 | w[3];
}

struct task *task_init_idle(void *stack_base, size_t stack_size)
{
    list_init(&all_tasks);
    next_id = 1;
    struct task *t = &idle_task;
    *t = (struct task){0};
    copy_name(t->name, "idle");
    task_name_changed(t);
    t->is_idle = true;
    t->affinity = 1u; /* CPU 0's */
    t->lent_priority = TASK_PRIORITIES;
    list_init(&t->held_mutexes);
    t->stack = stack_base;
    t->stack_size = stack_size;
    canary_fill(t->stack);
    list_node_init(&t->run_node);
    list_node_init(&t->wait_node);
    t->timer_queued = false;
    enlist(t);
    return t;
}

/*
 * The first run of a new task.
 *
 * arch_context_init arranged for the task's first arch_switch to "return"
 * here, on its fresh stack. We arrive the way every switch arrives: from
 * schedule(), in some other task, with this CPU's run-queue lock held,
 * interrupts disabled, and `current` already pointing at us; `last` is the
 * task that switched to us. A resumed task would finish that switch in
 * schedule() and return into a caller that releases the lock; we have no
 * such caller, so we finish the switch, release the lock and turn
 * interrupts on ourselves -
 * as any task expects to run - and call the entry function (xv6's forkret).
 */
static void task_first_run(struct arch_context *last)
{
    sched_finish_switch(list_entry(last, struct task, ctx));
    struct task *self = task_current();
    if (self->runs != 1)
        panic("task '%s' (id %u) starts a second time, on cpu %u (switched in %u times): it ran on two CPUs",
              self->name, (unsigned)self->id, self->cpu, (unsigned)self->runs);
    task_exit_if_killed(sched_switch_lock()); /* killed before it ever ran */
    klock_drop(sched_switch_lock());
    arch_irq_enable();
    task_exit(self->entry(self->arg));
}

struct task *task_new(const char *name, task_entry_t entry, void *arg)
{
    if (!entry || sched_in_irq()) { /* (the heap is not for interrupt handlers) */
        sync_misuse("task_create", name ? name : "?",
                    !entry ? TR("the entry function is NULL: a task must have code to run; no task made",
                                "la fonction d'entrée est NULL : une tâche doit avoir du code à exécuter ; aucune "
                                "tâche créée")
                           : TR("called from an interrupt handler, which may not allocate; no task made",
                                "appelé depuis un gestionnaire d'interruption, qui ne peut pas allouer ; aucune tâche "
                                "créée"));
        return NULL;
    }
    struct task *t = kzalloc(sizeof *t);
    uint8_t *stack = arch_stack_alloc(TASK_STACK_SIZE); /* (with a guard page under it) */
    if (!t || !stack) {
        kfree(t);
        if (stack)
            arch_stack_free(stack, TASK_STACK_SIZE);
        kprintf(TR("task_create(%s): out of memory (for the task, or for its kernel stack)\n",
                   "task_create(%s) : plus de mémoire (pour la tâche, ou pour sa pile noyau)\n"),
                name ? name : "?");
        return NULL;
    }
    copy_name(t->name, name ? name : "task");
    task_name_changed(t);
    t->entry = entry;
    t->arg = arg;
    t->stack = stack;
    t->stack_size = TASK_STACK_SIZE;
    t->priority = TASK_DEFAULT_PRIORITY;
    t->tickets = TASK_DEFAULT_TICKETS;
    t->lent_priority = TASK_PRIORITIES;
    t->affinity = ~0u; /* any CPU */
    t->cpu = task_current()->cpu; /* placed from where it was made */
    list_init(&t->held_mutexes);
    t->state = TASK_NEW;
    canary_fill(stack);
    list_node_init(&t->run_node);
    list_node_init(&t->wait_node);
    t->timer_queued = false;
    arch_context_init(&t->ctx, stack, TASK_STACK_SIZE, task_first_run);

    arch_irqstate_t s = sched_lock();
    t->id = next_id++;
    t->arrival = sched_ticks_locked();
    enlist(t);
    sched_unlock(s);
    return t;
}

void task_start_at(struct task *t, uint64_t at)
{
    arch_irqstate_t s = sched_lock();
    sched_arrive_at(t, at);
    sched_unlock_preempt(&sched_klock, s);
}

void task_discard(struct task *t)
{
    KASSERT(t->state == TASK_NEW && !t->timer_queued);
    arch_irqstate_t s = sched_lock();
    unlist(t);
    sched_unlock(s);
    task_free(t);
}

struct task *task_create(const char *name, task_entry_t entry, void *arg)
{
    struct task *t = task_new(name, entry, arg);
    if (t)
        task_start_at(t, sched_ticks());
    return t;
}

int (*task_exit_hook)(struct task *t, int code);

void task_exit(int code)
{
    struct task *self = task_current();
    if (self->proc && task_exit_hook)
        code = task_exit_hook(self, code);
    sched_lock(); /* for good: the next task releases it */
    KASSERT(self != &idle_task);
    while (!list_empty(&self->held_mutexes)) {
        struct mutex *m = list_entry(list_first(&self->held_mutexes), struct mutex, held_node);
        if (!self->killed) /* (killed: it did not choose to exit holding it) */
            sync_misuse("task_exit", self->name, TR("exits holding mutex '%s'; released, for its waiters' sake",
                                                    "se termine en tenant le mutex '%s' ; libéré, pour ceux qui l'attendent"),
                        m->name);
        else if (self->proc) /* (a process's thread: its program may not know it held one; say so) */
            kprintf(TR("kill: thread %u of process '%s' held mutex '%s' as it was killed: released, to its next "
                       "waiter\n",
                       "kill : le thread %u du processus '%s' tenait le mutex '%s' quand il a été tué : libéré, pour "
                       "le suivant qui l'attend\n"),
                    (unsigned)self->id, self->name, m->name);
        mutex_release(m);
    }
    if (self->spinlocks_held) {
        sync_misuse("task_exit", self->name, TR("exits holding %u spinlock(s), which stay taken",
                                                "se termine en tenant %u verrou(s) tournant(s), qui restent pris"), self->spinlocks_held);
        self->spinlocks_held = 0;
    }
    sched_retire(self, code);
    sched_exit();
}

static bool exists(const struct task *t);

int task_set_priority(struct task *t, uint32_t p)
{
    arch_irqstate_t s = sched_lock();
    bool known = t && exists(t);
    if (!known || t->is_idle || p >= TASK_PRIORITIES) {
        sched_unlock(s);
        sync_misuse("task_set_priority", known ? t->name : "?", TR("%s; refused", "%s ; refusé"),
                    !known       ? TR("there is no such task (NULL, or already joined and freed)",
                                      "cette tâche n'existe pas (NULL, ou déjà attendue et libérée)")
                    : t->is_idle ? TR("an idle task has no priority (it runs only when nothing else can)",
                                      "une tâche inactive n'a pas de priorité (elle ne tourne que si rien d'autre ne le peut)")
                                 : TR("the priority must be 0 (most urgent) .. 7",
                                      "la priorité va de 0 (la plus urgente) à 7"));
        return -1;
    }
    t->priority = p;
    sched_priority_changed(t);
    sched_unlock_preempt(&sched_klock, s); /* no longer the most urgent: the CPU goes now */
    return 0;
}

void task_die_killed(struct klock *held)
{
    klock_drop(held); /* (interrupts stay off: task_exit takes the scheduler lock itself) */
    task_exit(TASK_EXIT_KILLED);
}

/* Take t, which the caller marked killed, out of the wait it is in, if it
 * waits, and make it READY: it will find itself killed on its way out of
 * that wait. Between the mark and this, with the lock let go, t may have
 * ended at a wait of its own, been joined and freed, and its memory be
 * another task's now: a task that exists and is marked is either t or one
 * that a kill of its own marked, which may be woken as well. */
static void wake_to_die(struct task *t)
{
    for (;;) {
        arch_irqstate_t s = sched_lock();
        if (!exists(t) || !t->killed) { /* (gone, or not the task marked) */
            sched_unlock(s);
            return;
        }
        struct klock *lk = t->wait_lock;
        if (t->state == TASK_SLEEPING || (t->state == TASK_NEW && t->timer_queued)) {
            /* asleep, or yet to arrive: sched_make_ready takes it off the timer queue */
            sched_make_ready(t, SCHED_WAKEUP);
            sched_unlock_preempt(&sched_klock, s);
            return;
        }
        if (t->state != TASK_BLOCKED || t->kill_deferred) {
            /* READY or RUNNING: it ends at its next wait; or DEAD; or in a
             * wait the kill must not end (task_defer_kill): after it */
            sched_unlock(s);
            return;
        }
        /* Its queue is guarded by lk (the scheduler lock itself for a
         * mutex or a join). An object's lock comes before ours, so it is
         * only tried, as the clock's time_out does: and tried now, while t
         * waits on it, for then the object lives (once t has left it, it
         * may be gone, a semaphore on a stack that returned). */
        bool other = lk != &sched_klock;
        if (!other || klock_try_take(lk)) { /* (one CPU: always taken) */
            if (list_node_linked(&t->wait_node))
                list_remove(&t->wait_node); /* (a join waits on no queue) */
            t->woken_from = NULL; /* (it ends at once: no waker's wakeup to pass on) */
            mutex_wait_abandoned(t); /* (if it waited for a mutex, its owner stops borrowing its priority) */
            sched_make_ready(t, SCHED_WAKEUP);
            if (other)
                klock_drop(lk);
            sched_unlock_preempt(&sched_klock, s);
            return;
        }
        sched_unlock(s); /* busy: let its holder go on, and look again */
        arch_cpu_relax();
    }
}

/* Why self may not act on t, for the reasons task_join and task_kill share
 * (self_why when t is self), or NULL. Scheduler lock held. */
static const char *not_a_target(const struct task *t, const struct task *self, const char *self_why)
{
    return t == NULL    ? "there is no such task (NULL)"
           : !exists(t) ? "it no longer exists (already joined and freed?)"
           : t == self  ? self_why
           : t->is_idle ? "an idle task never exits"
                        : NULL;
}

/* One line: "op: 'self' cannot VERB 't': why; outcome". `known` (t exists)
 * was read under the scheduler lock, which the caller has let go. */
static void say_refused(const char *op, const char *verb, const struct task *self, const struct task *t, bool known,
                        const char *why, const char *outcome)
{
    kprintf("%s: '%s' cannot %s %s%s%s: %s; %s\n", op, self->name, verb, known ? "'" : "",
            known ? t->name : "that task", known ? "'" : "", why, outcome);
}

/* task_kill_all, and with `ids` task_kill_all_ids. */
static int kill_all(struct task *const *ts, const uint32_t *ids, unsigned n)
{
    struct task *self = task_current();
    arch_irqstate_t s = sched_lock();
    for (unsigned i = 0; !ids && i < n; i++) { /* (with ids, a target gone is no mistake: skipped below) */
        struct task *t = ts[i];
        const char *why = not_a_target(t, self, "a task cannot kill itself (it may return or call task_exit)");
        if (why) {
            bool known = t && exists(t);
            sched_unlock(s);
            say_refused("task_kill", "kill", self, t, known, why, "nothing was killed");
            return -1;
        }
    }
    for (unsigned i = 0; i < n; i++) { /* all marked before any runs again */
        struct task *t = ts[i];
        if (ids && (!exists(t) || t->id != ids[i] || t == self || t->is_idle))
            continue; /* (ended and freed since it was found: ids are never used twice) */
        if (t->state != TASK_DEAD)
            __atomic_store_n(&t->killed, true, __ATOMIC_RELEASE);
    }
    sched_unlock(s);
    for (unsigned i = 0; i < n; i++)
        wake_to_die(ts[i]);
    return 0;
}

int task_kill_all(struct task *const *ts, unsigned n) { return kill_all(ts, NULL, n); }

int task_kill_all_ids(struct task *const *ts, const uint32_t *ids, unsigned n) { return kill_all(ts, ids, n); }

/* task_yield where it may not sleep: the report, and interrupts back on
 * as they were (out of line: the yield itself saves no register for it). */
static __attribute__((noinline, cold)) void yield_refused(arch_irqstate_t s)
{
    sync_refuse_block("task_yield", task_current()->name);
    arch_irq_restore(s);
}

void task_yield(void)
{
    arch_irqstate_t s = arch_irq_save(); /* (the yield takes its run queue's lock, and no other) */
    if (sync_can_block())
        sched_yield_and_restore(s); /* (which puts them back) */
    else
        yield_refused(s);
}

void task_sleep(uint32_t ticks)
{
    if (ticks > INT32_MAX) { /* task_sleep(-100): a negative count passed as unsigned */
        sync_misuse("task_sleep", task_current()->name,
                    TR("%d ticks is negative (the count is 0 .. %d); returns at once",
                       "%d ticks est négatif (le compte va de 0 à %d) ; retour immédiat"), (int)ticks, INT32_MAX);
        return;
    }
    if (ticks == 0) {
        task_yield();
        return;
    }
    arch_irqstate_t s = sched_lock();
    if (sync_may_block("task_sleep", task_current()->name)) {
        sched_sleep_until(sched_ticks_locked() + ticks);
        task_exit_if_killed(&sched_klock);
    }
    sched_unlock(s);
}

static const char join_wait[] = "join"; /* wait_what of a task blocked in task_join */

const struct task *task_join_chain_end(const struct task *t)
{
    for (unsigned depth = 0; t && t->state == TASK_BLOCKED && t->wait_what == join_wait && depth < 64; depth++)
        t = t->wait_obj;
    return t;
}

/* Would self waiting for t close a circle of joins (t joins ... joins self)? */
static bool joins_back(const struct task *t, const struct task *self)
{
    for (const struct task *x = t; x && x->state == TASK_BLOCKED && x->wait_what == join_wait; x = x->wait_obj)
        if (x->wait_obj == self)
            return true;
    return false;
}

/* task_join, and task_join_timeout until tick `deadline` (0: none): 0
 * with the exit code in *code, SYNC_TIMEOUT, or -1 (refused, and said).
 * Joined, t is freed, or with `keep` left DEAD for task_release. */
static int join(struct task *t, uint64_t deadline, int *code, bool keep)
{
    struct task *self = task_current();
    arch_irqstate_t s = sched_lock();
    const char *why = not_a_target(t, self, "a task cannot join itself");
    if (!why)
        why = t->joined             ? "it is already joined by another task"
              : joins_back(t, self) ? "it is (indirectly) joining this task: that would wait forever"
                                    : NULL;
    if (why) {
        bool known = t && exists(t);
        sched_unlock(s);
        say_refused("task_join", "join", self, t, known, why, "returning -1");
        return -1;
    }
    if (!sync_may_block("task_join", t->name)) {
        sched_unlock(s);
        return -1;
    }
    t->joined = true;
    while (t->state != TASK_DEAD) {
        t->joiner = self;
        self->wait_name = t->name;
        bool late = sched_block_until(t, join_wait, &sched_klock, deadline);
        if (t->state != TASK_DEAD && (late || task_marked_killed())) {
            t->joiner = NULL; /* it is no longer waited for: it may be joined again */
            t->joined = false;
            task_exit_if_killed(&sched_klock);
            sched_unlock(s);
            return SYNC_TIMEOUT;
        }
    }
    /* DEAD - but on several CPUs it may still be leaving its CPU (it
     * retired at a tick, and its CPU switches at the interrupt's tail):
     * its stack is in use until finish_switch says it is off. On one CPU
     * it always is by the time we run. */
    while (t->on_cpu) {
        sched_unlock(s);
        arch_cpu_relax();
        s = sched_lock();
    }
    *code = t->exit_code;
    if (keep) {
        sched_unlock(s);
        return 0;
    }
    unlist(t);
    sched_unlock(s);
    task_free(t);
    return 0;
}

int task_join(struct task *t)
{
    int code;
    return join(t, 0, &code, false) == 0 ? code : -1;
}

int task_join_keep(struct task *t, int *code) { return join(t, 0, code, true); }

void task_release(struct task *t)
{
    arch_irqstate_t s = sched_lock();
    KASSERT(exists(t) && t->state == TASK_DEAD && t->joined && !t->on_cpu);
    unlist(t);
    sched_unlock(s);
    task_free(t);
}

int task_join_timeout(struct task *t, uint32_t ticks, int *code)
{
    int unused;
    return join(t, sync_deadline("task_join_timeout", "task", ticks ? ticks : 1), code ? code : &unused, false);
}

static const char suspend_wait[] = "sleep()";

void task_suspend(void)
{
    arch_irqstate_t s = sched_lock();
    task_current()->wait_name = NULL;
    if (sync_may_block("task_suspend", task_current()->name)) {
        sched_block(task_current(), suspend_wait, &sched_klock);
        task_exit_if_killed(&sched_klock);
    }
    sched_unlock(s);
}

bool task_resume(struct task *t)
{
    arch_irqstate_t s = sched_lock();
    bool woken = t->state == TASK_BLOCKED && t->wait_what == suspend_wait;
    if (woken)
        sched_make_ready(t, SCHED_WAKEUP);
    sched_unlock_preempt(&sched_klock, s);
    return woken;
}

/* (An idle task's stack is in the heap, at its own address: a CPU starts
 * on it before its paging is on. Idle tasks never end.) */
struct task *task_new_idle(unsigned cpu)
{
    struct task *t = kzalloc(sizeof *t);
    uint8_t *stack = kmalloc(TASK_STACK_SIZE);
    if (!t || !stack) {
        kfree(t);
        kfree(stack);
        return NULL;
    }
    ksnprintf(t->name, sizeof t->name, "idle%u", cpu);
    task_name_changed(t);
    t->is_idle = true;
    t->affinity = 1u << cpu;
    t->lent_priority = TASK_PRIORITIES;
    list_init(&t->held_mutexes);
    t->stack = stack;
    t->stack_size = TASK_STACK_SIZE;
    canary_fill(stack);
    list_node_init(&t->run_node);
    list_node_init(&t->wait_node);
    t->timer_queued = false;
    arch_irqstate_t s = sched_lock();
    t->id = next_id++;
    enlist(t);
    sched_unlock(s);
    return t;
}

struct task *task_by_id(uint32_t id)
{
    struct task *found = NULL;
    arch_irqstate_t s = sched_lock();
    list_for_each(n, &all_tasks) {
        struct task *t = list_entry(n, struct task, all_node);
        if (t->id == id) {
            found = t;
            break;
        }
    }
    sched_unlock(s);
    return found;
}

void task_for_each_locked(void (*fn)(struct task *t, void *ctx), void *ctx)
{
    list_for_each(n, &all_tasks) fn(list_entry(n, struct task, all_node), ctx);
}

void task_for_each(void (*fn)(struct task *t, void *ctx), void *ctx)
{
    arch_irqstate_t s = sched_lock();
    task_for_each_locked(fn, ctx);
    sched_unlock(s);
}

uint64_t task_cpu_ticks(const struct task *t)
{
    arch_irqstate_t s = sched_lock();
    uint64_t v = t->ticks;
    sched_unlock(s);
    return v;
}
