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
    mb->slots = slots;
    mb->capacity = capacity ? capacity : 1;
    mb->head = mb->count = 0;
    mb->name = name;
    list_init(&mb->senders);
    list_init(&mb->receivers);
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
    arch_irqstate_t s = arch_irq_save();
    while (mb->count == mb->capacity) {
        if (!sync_may_block("mbox_send", mb->name)) {
            arch_irq_restore(s);
            return SYNC_MISUSE;
        }
        waitq_block(&mb->senders, mb, full_tag, mb->name);
    }
    put(mb, msg);
    sched_preempt_point();
    arch_irq_restore(s);
    return SYNC_OK;
}

int mbox_recv(struct mailbox *mb, uint32_t *msg)
{
    arch_irqstate_t s = arch_irq_save();
    while (mb->count == 0) {
        if (!sync_may_block("mbox_recv", mb->name)) {
            arch_irq_restore(s);
            return SYNC_MISUSE;
        }
        waitq_block(&mb->receivers, mb, empty_tag, mb->name);
    }
    *msg = take(mb);
    sched_preempt_point();
    arch_irq_restore(s);
    return SYNC_OK;
}

int mbox_try_send(struct mailbox *mb, uint32_t msg)
{
    arch_irqstate_t s = arch_irq_save();
    int rc = SYNC_WOULD_BLOCK;
    if (mb->count < mb->capacity) {
        put(mb, msg);
        sched_preempt_point();
        rc = SYNC_OK;
    }
    arch_irq_restore(s);
    return rc;
}

int mbox_try_recv(struct mailbox *mb, uint32_t *msg)
{
    arch_irqstate_t s = arch_irq_save();
    int rc = SYNC_WOULD_BLOCK;
    if (mb->count > 0) {
        *msg = take(mb);
        sched_preempt_point();
        rc = SYNC_OK;
    }
    arch_irq_restore(s);
    return rc;
}
