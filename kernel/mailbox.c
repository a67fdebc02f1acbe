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

int mbox_send(struct mailbox *mb, uint32_t msg)
{
    SYNC_REFUSE_BAD("mbox_send", mb, SYNC_MISUSE);
    arch_irqstate_t s = klock_irqsave(&mb->lock);
    while (mb->count == mb->capacity) {
        if (!sync_may_block("mbox_send", mb->name)) {
            klock_irqrestore(&mb->lock, s);
            return SYNC_MISUSE;
        }
        waitq_block(&mb->senders, mb, full_tag, mb->name, &mb->lock);
    }
    put(mb, msg);
    sched_unlock_preempt(&mb->lock, s);
    return SYNC_OK;
}

int mbox_recv(struct mailbox *mb, uint32_t *msg)
{
    SYNC_REFUSE_BAD("mbox_recv", mb, SYNC_MISUSE);
    arch_irqstate_t s = klock_irqsave(&mb->lock);
    while (mb->count == 0) {
        if (!sync_may_block("mbox_recv", mb->name)) {
            klock_irqrestore(&mb->lock, s);
            return SYNC_MISUSE;
        }
        waitq_block(&mb->receivers, mb, empty_tag, mb->name, &mb->lock);
    }
    *msg = take(mb);
    sched_unlock_preempt(&mb->lock, s);
    return SYNC_OK;
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
