/*
 * mailbox.c - message passing through a bounded mailbox (the course's
 * producer-consumer "with N messages").
 *
 * A ring of `capacity` 32-bit messages. send sleeps while the ring is full,
 * receive while it is empty; each wakes one task of the other side. The
 * try_ variants never sleep and say SYNC_WOULD_BLOCK instead.
 */
#include "sync_internal.h"

static const char full_tag[] = "mailbox (full)";
static const char empty_tag[] = "mailbox (empty)";

void mbox_init(struct mailbox *mb, const char *name, uint32_t *slots, unsigned capacity)
{
    SYNC_REFUSE_NULL("mbox_init", mb);
    klock_init(&mb->lock);
    mb->slots = slots;
    mb->capacity = capacity ? capacity : 1;
    mb->head = mb->count = 0;
    mb->name = name;
    list_init(&mb->senders);
    list_init(&mb->receivers);
    mb->magic = SYNC_MAGIC;
}

static void put(struct mailbox *mb, uint32_t msg)
{
    mb->slots[(mb->head + mb->count) % mb->capacity] = msg;
    mb->count++;
    waitq_wake_one(&mb->receivers);
}

static uint32_t take(struct mailbox *mb)
{
    uint32_t msg = mb->slots[mb->head];
    mb->head = (mb->head + 1) % mb->capacity;
    mb->count--;
    waitq_wake_one(&mb->senders);
    return msg;
}

/* mbox_send and mbox_send_timeout (deadline 0: none). */
static inline __attribute__((always_inline)) int send(struct mailbox *mb, uint32_t msg, const char *op,
                                                      uint64_t deadline)
{
    arch_irqstate_t s = klock_irqsave(&mb->lock);
    while (mb->count == mb->capacity) {
        if (!sync_may_block(op, mb->name)) {
            klock_irqrestore(&mb->lock, s);
            return SYNC_MISUSE;
        }
        if (waitq_block_until(&mb->senders, mb, full_tag, mb->name, &mb->lock, deadline)) {
            klock_irqrestore(&mb->lock, s);
            return SYNC_TIMEOUT;
        }
    }
    put(mb, msg);
    sched_unlock_preempt(&mb->lock, s);
    return SYNC_OK;
}

/* mbox_recv and mbox_recv_timeout (deadline 0: none). */
static inline __attribute__((always_inline)) int recv(struct mailbox *mb, uint32_t *msg, const char *op,
                                                      uint64_t deadline)
{
    arch_irqstate_t s = klock_irqsave(&mb->lock);
    while (mb->count == 0) {
        if (!sync_may_block(op, mb->name)) {
            klock_irqrestore(&mb->lock, s);
            return SYNC_MISUSE;
        }
        if (waitq_block_until(&mb->receivers, mb, empty_tag, mb->name, &mb->lock, deadline)) {
            klock_irqrestore(&mb->lock, s);
            return SYNC_TIMEOUT;
        }
    }
    *msg = take(mb);
    sched_unlock_preempt(&mb->lock, s);
    return SYNC_OK;
}

int mbox_send(struct mailbox *mb, uint32_t msg)
{
    SYNC_REFUSE_BAD("mbox_send", mb, SYNC_MISUSE);
    return send(mb, msg, "mbox_send", 0);
}

int mbox_recv(struct mailbox *mb, uint32_t *msg)
{
    SYNC_REFUSE_BAD("mbox_recv", mb, SYNC_MISUSE);
    return recv(mb, msg, "mbox_recv", 0);
}

int mbox_send_timeout(struct mailbox *mb, uint32_t msg, uint32_t ticks)
{
    SYNC_REFUSE_BAD("mbox_send_timeout", mb, SYNC_MISUSE);
    if (ticks == 0)
        return mbox_try_send(mb, msg) == SYNC_WOULD_BLOCK ? SYNC_TIMEOUT : SYNC_OK;
    return send(mb, msg, "mbox_send_timeout", sync_deadline("mbox_send_timeout", mb->name, ticks));
}

int mbox_recv_timeout(struct mailbox *mb, uint32_t *msg, uint32_t ticks)
{
    SYNC_REFUSE_BAD("mbox_recv_timeout", mb, SYNC_MISUSE);
    if (ticks == 0)
        return mbox_try_recv(mb, msg) == SYNC_WOULD_BLOCK ? SYNC_TIMEOUT : SYNC_OK;
    return recv(mb, msg, "mbox_recv_timeout", sync_deadline("mbox_recv_timeout", mb->name, ticks));
}

int mbox_try_send(struct mailbox *mb, uint32_t msg)
{
    SYNC_REFUSE_BAD("mbox_try_send", mb, SYNC_MISUSE);
    arch_irqstate_t s = klock_irqsave(&mb->lock);
    int rc = SYNC_WOULD_BLOCK;
    if (mb->count < mb->capacity) {
        put(mb, msg);
        rc = SYNC_OK;
    }
    sched_unlock_preempt(&mb->lock, s);
    return rc;
}

int mbox_try_recv(struct mailbox *mb, uint32_t *msg)
{
    SYNC_REFUSE_BAD("mbox_try_recv", mb, SYNC_MISUSE);
    arch_irqstate_t s = klock_irqsave(&mb->lock);
    int rc = SYNC_WOULD_BLOCK;
    if (mb->count > 0) {
        *msg = take(mb);
        rc = SYNC_OK;
    }
    sched_unlock_preempt(&mb->lock, s);
    return rc;
}
