// SPDX-License-Identifier: GPL-2.0-only
/*
 * Thread schedules: the vCPU threads of a concurrent section, the mmu_lock
 * they take and the RCU read sides of their walks.
 *
 * Deterministic mode: every thread is a real pthread, but only the one
 * holding the baton runs.  The shim's atomics, barriers and mm_ops calls
 * are yield points, where the schedule says which thread runs next; since
 * nothing else can run, the same schedule gives the same interleaving, bit
 * for bit.  Real threads (rather than coroutines) keep the sanitizers'
 * view of stacks exact, and let free-running mode, where the baton is never
 * taken and ThreadSanitizer watches, share all of this.
 *
 * The deterministic threads outlive their section, parked until the baton
 * comes back to them, and each waits on its own condition variable: a
 * section used to spend most of its time creating threads and waking every
 * one at each switch.  Free-running threads are made for their section.
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

enum thread_state { T_IDLE, T_RUNNABLE, T_BLOCKED, T_DONE };

struct sched {
	pthread_mutex_t mu;
	pthread_cond_t cv[S2RT_THREAD_SLOTS];	/* each thread's, 0 the caller's */
	unsigned int workers;	/* deterministic threads 1..workers exist */
	unsigned int current;	/* the thread holding the baton */
	unsigned int nr;	/* threads 1..nr take part */
	uint8_t state[S2RT_THREAD_SLOTS];
	s2rt_thread_fn fn;
	void *arg;
	struct s2rt_schedule *s;
	/* The simulated mmu_lock: readers, or one writer. */
	unsigned int readers;
	bool writer;
	pthread_rwlock_t free_lock;	/* free-running mode's real one */
	pthread_barrier_t start;	/* free-running threads start together */
	int runtime;			/* free-running: S2RT_SERIALIZED() */
};

static struct sched sched = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.free_lock = PTHREAD_RWLOCK_INITIALIZER,
};

bool s2rt_yields;
static bool threads_live;	/* a deterministic section is running */
static bool free_running;	/* a free-running section is running */
static _Thread_local unsigned int self;
static s2rt_probe_fn probe_fn;
static void *probe_arg;

unsigned int s2rt_thread_self(void)
{
	return self;
}

/* --- choosing the next thread -------------------------------------------- */

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void s2rt_schedule_init(struct s2rt_schedule *s, enum s2rt_sched_mode mode,
			const uint8_t *bytes, size_t nr, uint64_t seed,
			unsigned int depth)
{
	uint64_t rng = seed;

	memset(s, 0, sizeof(*s));
	s->mode = mode;
	s->bytes = bytes;
	s->nr_bytes = nr;
	if (mode != S2RT_SCHED_PCT)
		return;
	/*
	 * PCT (Burckhardt et al., ASPLOS 2010): distinct random priorities
	 * above depth, and depth - 1 steps where the running thread drops
	 * below every other.  Steps are yield points; a section has a few
	 * hundred to a few thousand, so change points fall in the first
	 * S2RT_PCT_STEPS.
	 */
	s->depth = depth ? depth : 1;
	for (unsigned int t = 1; t < S2RT_THREAD_SLOTS; t++)
		s->prio[t] = s->depth + t;
	for (unsigned int t = S2RT_THREAD_SLOTS - 1; t > 1; t--) {
		unsigned int j = 1 + splitmix(&rng) % t;
		unsigned int tmp = s->prio[t];

		s->prio[t] = s->prio[j];
		s->prio[j] = tmp;
	}
	for (unsigned int i = 0; i + 1 < s->depth && i < S2RT_PCT_MAX_DEPTH; i++)
		s->change[i] = 1 + splitmix(&rng) % S2RT_PCT_STEPS;
}

static bool runnable(unsigned int t)
{
	return sched.state[t] == T_RUNNABLE;
}

static unsigned int first_runnable(void)
{
	for (unsigned int t = 1; t <= sched.nr; t++)
		if (runnable(t))
			return t;
	return 0;
}

static unsigned int pick_byte(struct s2rt_schedule *s, unsigned int cur)
{
	unsigned int list[S2RT_THREAD_SLOTS], n = 0;
	uint8_t b;

	if (s->budget && runnable(cur)) {
		s->budget--;
		return cur;
	}
	if (s->pos == s->nr_bytes)
		return runnable(cur) ? cur : first_runnable();
	for (unsigned int t = 1; t <= sched.nr; t++)
		if (runnable(t))
			list[n++] = t;
	if (!n)
		return 0;
	/* Low two bits: which runnable thread; the rest: how long it runs. */
	b = s->bytes[s->pos++];
	s->budget = b >> 2;
	return list[(b & 3) % n];
}

static unsigned int pick_pct(struct s2rt_schedule *s, unsigned int cur)
{
	unsigned int best = 0;

	s->steps++;
	for (unsigned int i = 0; i + 1 < s->depth && i < S2RT_PCT_MAX_DEPTH; i++)
		if (s->change[i] == s->steps && cur)
			s->prio[cur] = s->depth - 1 - i;
	for (unsigned int t = 1; t <= sched.nr; t++)
		if (runnable(t) && (!best || s->prio[t] > s->prio[best]))
			best = t;
	return best;
}

static unsigned int pick(unsigned int cur)
{
	struct s2rt_schedule *s = sched.s;

	switch (s->mode) {
	case S2RT_SCHED_BYTES:
		return pick_byte(s, cur);
	case S2RT_SCHED_PCT:
		return pick_pct(s, cur);
	default:
		return runnable(cur) ? cur : first_runnable();
	}
}

/* --- the baton ----------------------------------------------------------- */

/* Called with sched.mu held: the baton to next (0: the section is over). */
static void hand_to(unsigned int next)
{
	sched.current = next;
	pthread_cond_signal(&sched.cv[next]);
}

/* Called with sched.mu held: hand the baton on, wait for it back. */
static void switch_to(unsigned int next)
{
	hand_to(next);
	while (sched.current != self)
		pthread_cond_wait(&sched.cv[self], &sched.mu);
}

void s2rt_yield(void)
{
	unsigned int next;

	if (probe_fn)
		probe_fn(probe_arg);
	if (!threads_live || !self)
		return;
	pthread_mutex_lock(&sched.mu);
	next = pick(self);
	if (next && next != self)
		switch_to(next);
	pthread_mutex_unlock(&sched.mu);
}

/* A deterministic thread: its ops of each section it takes part in. */
static void *worker_main(void *p)
{
	unsigned int t = (unsigned int)(uintptr_t)p;

	self = t;
	pthread_mutex_lock(&sched.mu);
	for (;;) {
		while (sched.current != t)
			pthread_cond_wait(&sched.cv[t], &sched.mu);
		pthread_mutex_unlock(&sched.mu);
		sched.fn(t, sched.arg);
		pthread_mutex_lock(&sched.mu);
		sched.state[t] = T_DONE;
		hand_to(pick(t));
	}
	return NULL;
}

/* Threads 1..nr exist, parked: made on the first section that needs them. */
static int start_workers(unsigned int nr)
{
	if (!sched.workers)
		for (unsigned int t = 0; t < S2RT_THREAD_SLOTS; t++)
			if (pthread_cond_init(&sched.cv[t], NULL))
				abort();
	for (; sched.workers < nr; sched.workers++) {
		pthread_t tid;

		if (pthread_create(&tid, NULL, worker_main,
				   (void *)(uintptr_t)(sched.workers + 1)))
			return -1;
		pthread_detach(tid);
	}
	return 0;
}

static void run_workers(void)
{
	pthread_mutex_lock(&sched.mu);
	hand_to(pick(0));
	while (sched.current)
		pthread_cond_wait(&sched.cv[0], &sched.mu);
	pthread_mutex_unlock(&sched.mu);
}

static void *free_main(void *p)
{
	unsigned int t = (unsigned int)(uintptr_t)p;

	self = t;
	/* Racing only if they overlap: none may finish before the rest start. */
	pthread_barrier_wait(&sched.start);
	sched.fn(t, sched.arg);
	return NULL;
}

static int run_free(unsigned int nr)
{
	pthread_t tid[S2RT_THREAD_SLOTS];

	if (pthread_barrier_init(&sched.start, NULL, nr))
		return -1;
	for (unsigned int t = 1; t <= nr; t++)
		/* One that could not start leaves the others waiting. */
		if (pthread_create(&tid[t], NULL, free_main,
				   (void *)(uintptr_t)t))
			abort();
	for (unsigned int t = 1; t <= nr; t++)
		pthread_join(tid[t], NULL);
	pthread_barrier_destroy(&sched.start);
	return 0;
}

int s2rt_threads_run(unsigned int nr, bool free_run, s2rt_thread_fn fn,
		     void *arg, struct s2rt_schedule *s)
{
	int rc = 0;

	if (nr > S2RT_MAX_THREADS)
		nr = S2RT_MAX_THREADS;
	if (!free_run && start_workers(nr))
		return -1;
	sched.nr = nr;
	sched.fn = fn;
	sched.arg = arg;
	sched.s = s;
	sched.readers = 0;
	sched.writer = false;
	memset(sched.state, T_IDLE, sizeof(sched.state));
	for (unsigned int t = 1; t <= nr; t++)
		sched.state[t] = T_RUNNABLE;
	free_running = free_run;
	threads_live = !free_run;
	s2rt_yields = threads_live || probe_fn;
	if (free_run)
		rc = run_free(nr);
	else
		run_workers();
	threads_live = false;
	free_running = false;
	s2rt_yields = probe_fn;
	return rc;
}

void s2rt_set_probe(s2rt_probe_fn fn, void *arg)
{
	probe_fn = fn;
	probe_arg = arg;
	s2rt_yields = threads_live || fn;
}

/* --- the runtime's state under free-running threads --------------------- */

/*
 * A spinlock, not a mutex: ThreadSanitizer intercepts pthread calls from
 * any code, and the happens-before a mutex taken at every hook draws
 * would hide the kernel's own races.  The runtime is built without its
 * instrumentation (cli/build.py), so these atomics draw nothing.
 */
int s2rt_serialize(void)
{
	if (!free_running)
		return 0;
	while (__atomic_exchange_n(&sched.runtime, 1, __ATOMIC_ACQUIRE))
		sched_yield();
	return 1;
}

void s2rt_serialize_end(int *token)
{
	if (*token)
		__atomic_store_n(&sched.runtime, 0, __ATOMIC_RELEASE);
}

/* --- the simulated mmu_lock ---------------------------------------------- */

static bool lock_free(bool write)
{
	return write ? !sched.writer && !sched.readers : !sched.writer;
}

void s2rt_mmu_lock(bool write)
{
	if (free_running) {
		if (write)
			pthread_rwlock_wrlock(&sched.free_lock);
		else
			pthread_rwlock_rdlock(&sched.free_lock);
		return;
	}
	if (!threads_live || !self)
		return;
	/* Taking the lock is a point where another vCPU may get in first. */
	s2rt_yield();
	pthread_mutex_lock(&sched.mu);
	while (!lock_free(write)) {
		unsigned int next;

		sched.state[self] = T_BLOCKED;
		next = pick(self);
		switch_to(next);
	}
	if (write)
		sched.writer = true;
	else
		sched.readers++;
	pthread_mutex_unlock(&sched.mu);
}

void s2rt_mmu_unlock(bool write)
{
	if (free_running) {
		pthread_rwlock_unlock(&sched.free_lock);
		return;
	}
	if (!threads_live || !self)
		return;
	pthread_mutex_lock(&sched.mu);
	if (write)
		sched.writer = false;
	else
		sched.readers--;
	for (unsigned int t = 1; t <= sched.nr; t++)
		if (sched.state[t] == T_BLOCKED)
			sched.state[t] = T_RUNNABLE;
	pthread_mutex_unlock(&sched.mu);
}
