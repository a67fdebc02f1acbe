/*
 * mailbox.c - message passing through a bounded mailbox (the course's
 * producer-consumer "with N messages").
 *
 * A ring of `capacity` messages of `size` bytes each, declared at init:
 * 32-bit words (mbox_init), or any fixed size (mbox_init_sized: the course's
 * message queues carry a msgsz). send sleeps while the ring is full,
 * receive while it is empty; each wakes one task of the other side. The
 * try_ variants never sleep and say SYNC_WOULD_BLOCK instead; the _timeout
 * ones give up at their deadline with SYNC_TIMEOUT.
 */
#include "sync/sync_internal.h"
#include "lib/lang.h"

static const char full_tag[] = "mailbox (full)";
static const char empty_tag[] = "mailbox (empty)";

void mbox_init_sized(struct mailbox *mb, const char *name, void *slots, unsigned capacity, unsigned size)
{
    SYNC_REFUSE_NULL("mbox_init", mb);
    klock_init(&mb->lock);
    mb->slots = slots;
    mb->capacity = capacity ? capacity : 1;
    mb->size = size ? size : 1;
    mb->head = mb->count = 0;
    mb->name = name;
    list_init(&mb->senders);
    list_init(&mb->receivers);
    mb->magic = SYNC_MAGIC;
}

void mbox_init(struct mailbox *mb, const char *name, uint32_t *slots, unsigned capacity)
{
    mbox_init_sized(mb, name, slots, capacity, sizeof(uint32_t));
}

/* Is msg a message for mb (not NULL, and of its size)? If not, say so (op
 * refuses). */
static bool right_message(const struct mailbox *mb, const char *op, const void *msg, unsigned size)
{
    if (!msg)
        sync_misuse(op, mb->name, TR("the message pointer is NULL; refused",
                                     "le pointeur du message est NULL ; refusé"));
    else if (size != mb->size)
        sync_misuse(op, mb->name, TR("a message of %u bytes, but this mailbox carries messages of %u bytes; refused",
                                     "un message de %u octets, mais cette boîte aux lettres porte des messages de %u octets ; refusé"),
                    size, mb->size);
    return msg && size == mb->size;
}

static void put(struct mailbox *mb, const void *msg)
{
    __builtin_memcpy(mb->slots + (size_t)((mb->head + mb->count) % mb->capacity) * mb->size, msg, mb->size);
    mb->count++;
    waitq_wake_one(&mb->receivers);
}

static void take(struct mailbox *mb, void *msg)
{
    __builtin_memcpy(msg, mb->slots + (size_t)mb->head * mb->size, mb->size);
    mb->head = (mb->head + 1) % mb->capacity;
    mb->count--;
    waitq_wake_one(&mb->senders);
}

/* With mb's lock held (irqsave state s), wait until mb has room (sending)
 * or a message (receiving), until tick `deadline` (0: for ever; no waiting
 * at all when `try`). 0 when it has; otherwise why not, with the lock let
 * go. */
static int wait_ready(struct mailbox *mb, bool sending, const char *op, uint64_t deadline, bool try,
                      arch_irqstate_t s)
{
    while (sending ? mb->count == mb->capacity : mb->count == 0) {
        int rc = try ? SYNC_WOULD_BLOCK : !sync_may_block(op, mb->name) ? SYNC_MISUSE : 0;
        if (!rc && waitq_block_until(sending ? &mb->senders : &mb->receivers, mb, sending ? full_tag : empty_tag,
                                     mb->name, &mb->lock, deadline))
            rc = SYNC_TIMEOUT;
        if (rc) {
            klock_irqrestore(&mb->lock, s);
            return rc;
        }
    }
    return 0;
}

static int send(struct mailbox *mb, const void *msg, const char *op, uint64_t deadline, bool try)
{
    arch_irqstate_t s = klock_irqsave(&mb->lock);
    int rc = wait_ready(mb, true, op, deadline, try, s);
    if (rc)
        return rc;
    put(mb, msg);
    sched_unlock_preempt(&mb->lock, s);
    return SYNC_OK;
}

static int recv(struct mailbox *mb, void *msg, const char *op, uint64_t deadline, bool try)
{
    arch_irqstate_t s = klock_irqsave(&mb->lock);
    int rc = wait_ready(mb, false, op, deadline, try, s);
    if (rc)
        return rc;
    take(mb, msg);
    sched_unlock_preempt(&mb->lock, s);
    return SYNC_OK;
}

/* The calls: refuse a bad mailbox or a wrong size, then send or receive
 * (ticks: a _timeout call; 0 ticks there is a try that says SYNC_TIMEOUT). */
#define MBOX_CALL(fn, op, mb, msg, size, ticks, timed, try)                                              \
    do {                                                                                                  \
        SYNC_REFUSE_BAD(op, mb, SYNC_MISUSE);                                                             \
        if (!right_message(mb, op, msg, size))                                                            \
            return SYNC_MISUSE;                                                                           \
        if ((timed) && (ticks) == 0) {                                                                    \
            int rc_ = fn(mb, msg, op, 0, true);                                                           \
            return rc_ == SYNC_WOULD_BLOCK ? SYNC_TIMEOUT : rc_;                                          \
        }                                                                                                 \
        return fn(mb, msg, op, (timed) ? sync_deadline(op, (mb)->name, ticks) : 0, try);                 \
    } while (0)

int mbox_send(struct mailbox *mb, uint32_t msg) { MBOX_CALL(send, "mbox_send", mb, &msg, 4, 0, false, false); }
int mbox_recv(struct mailbox *mb, uint32_t *msg) { MBOX_CALL(recv, "mbox_recv", mb, msg, 4, 0, false, false); }
int mbox_try_send(struct mailbox *mb, uint32_t msg) { MBOX_CALL(send, "mbox_try_send", mb, &msg, 4, 0, false, true); }
int mbox_try_recv(struct mailbox *mb, uint32_t *msg) { MBOX_CALL(recv, "mbox_try_recv", mb, msg, 4, 0, false, true); }

int mbox_send_timeout(struct mailbox *mb, uint32_t msg, uint32_t ticks)
{
    MBOX_CALL(send, "mbox_send_timeout", mb, &msg, 4, ticks, true, false);
}

int mbox_recv_timeout(struct mailbox *mb, uint32_t *msg, uint32_t ticks)
{
    MBOX_CALL(recv, "mbox_recv_timeout", mb, msg, 4, ticks, true, false);
}

int mbox_send_msg(struct mailbox *mb, const void *msg, unsigned size)
{
    MBOX_CALL(send, "mbox_send_msg", mb, msg, size, 0, false, false);
}

int mbox_recv_msg(struct mailbox *mb, void *msg, unsigned size)
{
    MBOX_CALL(recv, "mbox_recv_msg", mb, msg, size, 0, false, false);
}

int mbox_try_send_msg(struct mailbox *mb, const void *msg, unsigned size)
{
    MBOX_CALL(send, "mbox_try_send_msg", mb, msg, size, 0, false, true);
}

int mbox_try_recv_msg(struct mailbox *mb, void *msg, unsigned size)
{
    MBOX_CALL(recv, "mbox_try_recv_msg", mb, msg, size, 0, false, true);
}
