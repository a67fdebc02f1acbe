/*
 * mqueue: the course's producer and consumer by message passing, as two
 * processes (Tanenbaum's scheme: the consumer first sends the producer
 * TQ_MQ_DEPTH empty messages; each item travels in one, and the empty
 * comes back), then what a queue refuses, and a kill while one waits.
 *
 *   mqueue                 the parent: runs the rest and checks
 *   mqueue producer|consumer|wait   the children
 * One check per line and a total; the exit status is the number failed.
 */
#include <tourniquet.h>

#define EMPTIES 11 /* the keys of the two queues */
#define ITEMS 12
#define N 100

static int producer(void)
{
    int empties = mq_open(EMPTIES), items = mq_open(ITEMS);
    char m[TQ_MQ_MSG_MAX];
    for (int i = 0; i < N; i++) {
        if (mq_receive(empties, m, sizeof m, 0) < 0) /* an empty message: room for one item */
            return 1;
        int n = snprintf(m, sizeof m, "item %d", i);
        if (mq_send(items, m, (size_t)n + 1, 0) < 0)
            return 1;
    }
    return 0;
}

static int consumer(void)
{
    int empties = mq_open(EMPTIES), items = mq_open(ITEMS), in_order = 0;
    char m[TQ_MQ_MSG_MAX], want[TQ_MQ_MSG_MAX];
    for (int i = 0; i < TQ_MQ_DEPTH; i++)
        mq_send(empties, "", 0, 0);
    for (int i = 0; i < N; i++) {
        int n = mq_receive(items, m, sizeof m, 0);
        snprintf(want, sizeof want, "item %d", i);
        in_order += n > 0 && !strcmp(m, want);
        mq_send(empties, "", 0, 0); /* the empty goes back */
    }
    return in_order == N ? 0 : 1;
}

static int child(const char *role)
{
    char *argv[] = {"mqueue", (char *)role, NULL};
    return spawn("mqueue", argv);
}

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "producer"))
        return producer();
    if (argc == 2 && !strcmp(argv[1], "consumer"))
        return consumer();
    if (argc == 2 && !strcmp(argv[1], "wait")) {
        char m[TQ_MQ_MSG_MAX];
        return mq_receive(mq_open(99), m, sizeof m, 0); /* nothing ever comes */
    }
    struct tq_meminfo before, after;
    meminfo(&before);
    int c = child("consumer"), p = child("producer"), sc = -1, sp = -1;
    wait(p, &sp);
    wait(c, &sc);
    tq_check(sp == 0, "the producer sent every item, each in an empty that came back", sp, 0);
    tq_check(sc == 0, "the consumer got every item once, in order", sc, 0);

    int q = mq_open(3);
    char m[TQ_MQ_MSG_MAX];
    tq_check(q >= 0, "mq_open", q, 0);
    tq_check(mq_receive(q, m, sizeof m, TQ_MQ_NONBLOCK) == -TQ_EAGAIN, "receive from an empty queue, not waiting: EAGAIN", 0, 0);
    int sent = 0;
    for (int i = 0; i < TQ_MQ_DEPTH; i++)
        sent += mq_send(q, "abcdefgh", (size_t)i + 1, TQ_MQ_NONBLOCK) == 0;
    tq_check(sent == TQ_MQ_DEPTH, "8 messages fit", sent, TQ_MQ_DEPTH);
    tq_check(mq_send(q, "x", 1, TQ_MQ_NONBLOCK) == -TQ_EAGAIN, "a ninth, not waiting: EAGAIN", 0, 0);
    int lengths = 0;
    for (int i = 0; i < TQ_MQ_DEPTH; i++)
        lengths += mq_receive(q, m, sizeof m, 0) == i + 1 && m[0] == 'a';
    tq_check(lengths == TQ_MQ_DEPTH, "they come out in order, each its own length", lengths, TQ_MQ_DEPTH);
    tq_check(mq_send(q, m, TQ_MQ_MSG_MAX + 1, 0) == -TQ_EINVAL, "a message of 65 bytes: EINVAL", 0, 0);
    tq_check(mq_receive(q, m, 10, TQ_MQ_NONBLOCK) == -TQ_EINVAL, "a buffer of 10 bytes: EINVAL", 0, 0);
    tq_check(mq_send(q, (void *)0x100000, 4, 0) == -TQ_EFAULT, "a message in kernel memory: EFAULT", 0, 0);
    tq_check(mq_receive(q, (void *)0x100000, TQ_MQ_MSG_MAX, 0) == -TQ_EFAULT, "a buffer in kernel memory: EFAULT", 0, 0);
    tq_check(mq_send(31, "x", 1, 0) == -TQ_EBADF, "no such queue: EBADF", 0, 0);
    tq_check(mq_send(q, "x", 1, 8) == -TQ_EINVAL, "an unknown flag: EINVAL", 0, 0);

    int w = child("wait"), sw = 0;
    sleep(5);
    tq_check(kill(w) == 0 && wait(w, &sw) == w && sw == TQ_STATUS_KILLED, "kill while it waits on a queue", sw,
          TQ_STATUS_KILLED);
    meminfo(&after);
    tq_check(after.heap_blocks == before.heap_blocks + 1, "no heap block left behind (but our own queue handle)",
          (long)after.heap_blocks - (long)before.heap_blocks, 1);
    tq_check(after.frames_free == before.frames_free, "no page frame left behind", (long)before.frames_free - (long)after.frames_free, 0);
    return tq_checks_done("mqueue");
}
