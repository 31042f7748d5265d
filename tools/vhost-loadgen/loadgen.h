/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vhost-loadgen: a userspace virtio-net driver over /dev/vhost-net (and,
 * with --vsock, a virtio-vsock driver over /dev/vhost-vsock) whose own
 * counts are the ground truth for vqtrace's end-to-end tests.
 *
 * Files:
 *   main.c   options, process fan-out, scenario driver loop
 *   util.c   errors, usage errors, time, quiesced_at() (util.h; calls
 *            into no other file, so the files' call graph has no cycle)
 *   ring.c   split virtqueue, driver side (descriptors, avail, used, events)
 *   vhost.c  vhost device setup shared by every kind; /dev/vhost-net's
 *            setup and teardown
 *   tap.c    tap backend and AF_PACKET frame injection
 *   gt.c     ground-truth JSON line and the human summary
 *   misbehave.c  misbehaviour modes (--freeze-event-after, --event-ahead,
 *            --avail-jump-after, --no-call-after): options and checkpoints
 *   hostile.c    hostile-guest modes (--event-random, --flags-garbage,
 *            --unmap-rings-after): options, per-entry events, ring faults
 *   vsock.c      --vsock: /dev/vhost-vsock, the guest side of one
 *            virtio-vsock stream per device, its ground truth
 *   vsock_peer.c the host side of that stream: an AF_VSOCK listener in a
 *            child process (the test guest's own kernel is vhost's host)
 *   scsi.c       --scsi WWPN: /dev/vhost-scsi, a virtio-scsi initiator
 *            (control, event, request queues), its ground truth
 */
#ifndef VHOST_LOADGEN_H
#define VHOST_LOADGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <net/if.h>

/* Queue indices of a vhost-net device. */
#define LG_Q_RX 0
#define LG_Q_TX 1
#define LG_NQ 2

/* Bytes of struct virtio_net_hdr with VIRTIO_F_VERSION_1 (mrg_rxbuf layout). */
#define LG_VNET_HDR 12
/* Ethernet frame carried in every TX buffer and injected for RX. */
#define LG_FRAME_LEN 60
#define LG_TX_BUF (LG_VNET_HDR + LG_FRAME_LEN)
/* Stride of TX buffers in memory. */
#define LG_TX_SLOT 128
/* RX buffer: a virtio_net_hdr plus any Ethernet frame of a 1500-byte MTU. */
#define LG_RX_BUF 2048

/* Our private EtherType (IEEE 802 local experimental 1). */
#define LG_ETHERTYPE 0x88B5
/* Payload marker of the frames we inject for RX. */
#define LG_MAGIC 0x56515452u /* "VQTR" */

/* chain[] of a head that has no second descriptor */
#define LG_NO_CHAIN 0xffff

#define LG_MAX_DEVICES 64
#define LG_MAX_PROCS 64

struct lg_opts {
	uint64_t tx;             /* TX buffers per device */
	uint64_t rx;             /* RX frames per device */
	unsigned ring;           /* ring size */
	unsigned event_every;    /* K: interrupt every K used entries */
	bool event_every_set;
	bool no_event_idx;
	bool in_order;           /* --in-order: negotiate VIRTIO_F_IN_ORDER */
	bool zero_rings;         /* --zero-rings: zero the rings before close */
	bool no_interrupt;
	bool no_call;
	bool call_toggle;
	uint64_t toggle[3];      /* A:B:C */
	bool reset_backend;      /* --reset-backend: when the call comes back */
	unsigned devices;
	unsigned procs;
	bool kthread;
	bool always_kick;
	unsigned batch;          /* 0: fill the free ring space */
	const char *gt_path;
	int gt_fd;               /* -1: stdout */
	unsigned pause_before_ms;
	unsigned hold_ms;
	unsigned idle_ms;         /* --idle: after the run, devices still running */
	unsigned busyloop_us;     /* --busyloop-us: vhost-net busy polling */
	unsigned starve_ms;       /* --starve-worker MS (starve.c) */
	unsigned skip_kick_ms;    /* --skip-kick MS (starve.c) */
	const char *wait_file;   /* wait for it before the first buffer */
	unsigned seconds;        /* stop submitting after this long (0: never) */
	const char *stop_file;   /* stop submitting once it exists */

	/* misbehaviour modes (misbehave.c); 0: off */
	uint64_t freeze_after;   /* --freeze-event-after N */
	unsigned event_ahead;    /* --event-ahead D */
	uint64_t jump_after;     /* --avail-jump-after N (TX) */
	uint64_t no_call_after;  /* --no-call-after N (= --call-toggle N:T-N:0) */

	/* hostile-guest modes (hostile.c) */
	bool event_random;       /* --event-random SEED */
	uint64_t event_seed;
	bool flags_garbage;      /* --flags-garbage */
	uint64_t unmap_after;    /* --unmap-rings-after N (TX); 0: off */

	unsigned rounds;         /* --rounds R: the scenario R times (default 1) */

	/* --vsock (vsock.c) */
	bool vsock;
	uint64_t vsock_send;     /* --send BYTES: guest -> host stream bytes */
	uint64_t vsock_recv;     /* --recv BYTES: host -> guest stream bytes */
	unsigned vsock_pkt;      /* --pkt SIZE: payload bytes per TX packet */
	unsigned vsock_hold_rx_ms; /* --vsock-hold-rx MS */

	/* --scsi WWPN (scsi.c) */
	const char *scsi_wwpn;
	unsigned scsi_queues;    /* --scsi-queues Q: request queues */
	uint64_t scsi_cmds;      /* --cmds N: WRITEs (and READs) per queue */
	const char *scsi_hotplug; /* --scsi-hotplug BACKSTORE (configfs dir) */
	char scsi_hold_dm[128];  /* --scsi-hold DM:MS: the LUN's device-mapper device... */
	unsigned scsi_hold_ms;   /* ...suspended this long with one WRITE in it (dm.c) */
	const char *dm_linear;   /* --dm-linear NAME:DEV (dm.c; the rig's target setup) */
	const char *dm_remove;   /* --dm-remove NAME */
	bool scsi_cmds_set;
};

/* Driver side of one split virtqueue. */
struct lg_vq {
	int dev;                 /* device ordinal in this process */
	int index;               /* LG_Q_RX or LG_Q_TX */
	unsigned num;

	/* ring memory (inside the device's single memory region) */
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;

	/* buffers: slot i belongs to descriptor i */
	uint8_t *bufs;
	unsigned slot_size;
	unsigned buf_len;        /* descriptor length */
	bool device_writes;      /* VRING_DESC_F_WRITE (RX) */

	/* driver state */
	bool in_order;           /* VIRTIO_F_IN_ORDER negotiated */
	uint16_t avail_idx;      /* shadow of avail->idx */
	uint16_t last_used;      /* next used entry to consume */
	uint16_t used_event;     /* last value written to used_event */
	uint16_t *free_ids;      /* stack of free descriptor ids */
	unsigned nfree;
	uint8_t *inflight;       /* per descriptor id: 1 if owned by the device */
	uint16_t *chain;         /* per head id: its second descriptor, or
				  * LG_NO_CHAIN (vq_add_chain) */

	/* notification configuration */
	bool event_idx;
	unsigned event_every;
	unsigned event_ahead;    /* D: used_event = last_used + D (0: off) */
	bool event_frozen;       /* never write used_event again */
	bool always_kick;
	bool skip_next_kick;     /* --skip-kick: withhold the next required kick */
	uint64_t kicks_skipped;  /* required kicks withheld */

	int kick_fd;
	int call_fd;             /* our eventfd, or -1 when --no-call */
	bool call_on;            /* call eventfd currently installed in vhost */

	/* ground truth */
	uint64_t submitted;      /* buffers made available (TX) / frames sent (RX) */
	uint64_t completed;      /* buffers the device used (exact) */
	uint64_t used_elems;     /* used ring elements read (= completed
				  * unless IN_ORDER batches) */
	uint64_t own;            /* RX: completions that carried our frames */
	uint64_t extra;          /* RX: completions with frames we did not send */
	uint64_t interrupts;     /* sum of call eventfd counter values read */
	uint64_t kicks;          /* writes to the kick eventfd */
	uint64_t posted;         /* buffers made available in total */

	/* scenario */
	uint64_t target;         /* how many entries this queue must complete */
	unsigned phase;          /* --call-toggle phase 0..2, 3 = done */
	unsigned backend_resets; /* --reset-backend: detach/re-attach done */
	uint64_t phase_end[3];   /* cumulative entry count at each phase end */

	/* misbehaviour checkpoints (misbehave.c): counts at which the queue
	 * quiesces and misbehaves; 0 = none */
	uint64_t freeze_at;
	uint64_t jump_at;
	uint16_t event_frozen_at;    /* used_event value last written */
	uint64_t consumed_at_freeze;
	bool avail_jumped;
	uint16_t avail_jumped_to;    /* the bogus avail->idx written */
	double jump_deadline;        /* lg_now() when the queue may end */
	uint64_t call_off_at;        /* --no-call-after N (JSON once phase >= 1) */

	/* hostile-guest modes (hostile.c) */
	bool event_manual;           /* vq_harvest() never writes used_event */
	uint16_t avail_flags;        /* value kept in avail->flags */
	bool flags_garbage;
	bool event_random;           /* a random used_event before each entry */
	uint64_t rng;                /* its generator state (splitmix64) */
	uint64_t event_written_for;  /* entry count the current value is for */
	bool sim_valid;              /* vhost's signalled_used(_valid) as the */
	uint16_t sim_signalled;      /* driver models them (one notify/entry) */
	uint64_t event_writes;       /* JSON: random values written */
	uint64_t event_ahead_expected;     /* ...more than the ring ahead */
	uint64_t interrupts_expected;      /* signals the model predicts */
	uint64_t unmap_at;           /* --unmap-rings-after N (TX); 0: off */
	bool unmapped;               /* the fault sequence ran: rings are off */
	unsigned unmap_submitted;    /* buffers made available after the fault */
	uint64_t unmap_completed;    /* completions observed after the fault */
	uint64_t unmap_interrupts;   /* interrupts observed after the fault */
	uint16_t avail_consumed;     /* vhost's last_avail_idx at the end */
	uint8_t *ring_base;          /* the queue's memory (page aligned) */
	size_t event_page, used_page, used_end;  /* offsets from ring_base */
};

struct lg_dev {
	int ordinal;
	const char *path;        /* /dev/vhost-net, /dev/vhost-vsock */
	uint64_t extra_features; /* device-specific bits to negotiate */
	int fd;
	uint8_t *mem;
	size_t mem_size;
	struct lg_vq vq[LG_NQ];

	/* tap backend */
	int tap_fd;
	char ifname[IFNAMSIZ];
	int ifindex;
	unsigned txqlen;
	int pkt_fd;              /* AF_PACKET socket bound to the tap */
	bool backend_set;
};

/* ring.c */
int vq_add_sized(struct lg_vq *vq, uint32_t len);
int vq_add_chain(struct lg_vq *vq, uint32_t out_len, uint32_t in_len);
/* The same with each descriptor starting off bytes into its slot. */
int vq_add_chain_at(struct lg_vq *vq, uint32_t out_off, uint32_t out_len,
		    uint32_t in_off, uint32_t in_len);
size_t vq_mem_size(unsigned num, unsigned slot_size, bool isolate_event);
void vq_init(struct lg_vq *vq, uint8_t *base, unsigned num, unsigned slot_size,
	     unsigned buf_len, bool device_writes, bool isolate_event);
void vq_configure_events(struct lg_vq *vq, bool event_idx, unsigned event_every,
			 unsigned event_ahead, bool no_interrupt, bool always_kick);
uint8_t *vq_buf(struct lg_vq *vq, unsigned id);
unsigned vq_add(struct lg_vq *vq, unsigned n);
bool vq_publish(struct lg_vq *vq, uint16_t old_idx);
typedef void (*vq_used_fn)(struct lg_vq *vq, unsigned id, uint32_t len, void *arg);
unsigned vq_harvest(struct lg_vq *vq, vq_used_fn fn, void *arg);
unsigned vq_outstanding(const struct lg_vq *vq);
uint64_t vq_read_call(struct lg_vq *vq);
uint16_t vq_avail_jump(struct lg_vq *vq, unsigned by);
void vq_store_used_event(struct lg_vq *vq, uint16_t v);
void vq_store_avail_idx(struct lg_vq *vq);
void vq_kick(struct lg_vq *vq);

/* vhost.c: every kind of device */
void dev_open(struct lg_dev *d, int ordinal, const char *path, const struct lg_opts *o);
void dev_negotiate(struct lg_dev *d, const struct lg_opts *o, bool *event_idx);
void dev_map(struct lg_dev *d, size_t size);
void dev_setup_vring(struct lg_dev *d, struct lg_vq *vq, const struct lg_opts *o);
void dev_release_vq(struct lg_vq *vq);
void vring_ioctl(struct lg_dev *d, unsigned long req, unsigned index,
		 unsigned num, const char *name);
void vring_file(struct lg_dev *d, unsigned long req, unsigned index,
		int fd, const char *name);
/* vhost.c: vhost-net */
void dev_setup(struct lg_dev *d, int ordinal, const struct lg_opts *o,
	       bool *event_idx_out);
void dev_set_backend(struct lg_dev *d, int fd);
void dev_set_call(struct lg_dev *d, struct lg_vq *vq, bool on);
void dev_teardown(struct lg_dev *d);
void dev_vq_barrier(struct lg_dev *d, struct lg_vq *vq);
void dev_flush(struct lg_dev *d, struct lg_vq *vq);
uint16_t dev_last_avail(struct lg_dev *d, struct lg_vq *vq);

/* tap.c */
void tap_create(struct lg_dev *d);
void tap_open_injector(struct lg_dev *d);
void tap_build_frame(uint8_t *frame, int dev, uint32_t seq, bool rx_marker);
bool tap_frame_is_ours(const uint8_t *frame, uint32_t len, int dev);
unsigned tap_inject(struct lg_dev *d, uint64_t first_seq, unsigned n);
void tap_close(struct lg_dev *d);

/* gt.c */
/* The start of a ground-truth line, every kind alike, up to "queues":[. */
struct sbuf;
void gt_begin(struct sbuf *b, const struct lg_opts *o, unsigned round, const char *kind,
	      bool event_idx, bool in_order, double elapsed);
void gt_emit(const struct lg_opts *o, struct lg_dev *devs, unsigned ndev,
	     bool event_idx, double elapsed, unsigned round);

/* misbehave.c */
void mis_usage(FILE *f);
void mis_check_opts(struct lg_opts *o, bool tx_set);
void mis_init_vq(const struct lg_opts *o, struct lg_vq *vq);
uint64_t mis_room(const struct lg_vq *vq, uint64_t room);
void mis_checkpoint(struct lg_vq *vq);
bool mis_busy(const struct lg_vq *vq);

/* hostile.c */
void hostile_usage(FILE *f);
void hostile_check_opts(struct lg_opts *o, bool tx_set);
/* starve.c: --starve-worker; begin returns the workers starved (0: off). */
unsigned starve_begin(const struct lg_opts *o);
bool starve_started(void);
void starve_end(void);
/* --skip-kick: publish the second half without its kick, wait, kick late. */
void skip_kick_begin(const struct lg_opts *o, struct lg_vq *vq);
void skip_kick_poll(struct lg_vq *vq);
void hostile_init_vq(const struct lg_opts *o, struct lg_vq *vq, unsigned ordinal);
uint64_t hostile_room(const struct lg_vq *vq, uint64_t room);
void hostile_checkpoint(struct lg_dev *d, struct lg_vq *vq);
bool hostile_off(const struct lg_vq *vq);
void hostile_restore(struct lg_dev *d);
void hostile_gt(char *buf, size_t len, const struct lg_vq *vq);

/* vsock.c */
void vsock_usage(FILE *f);
void vsock_check_opts(const struct lg_opts *o, bool tx_set, bool rx_set);
void vsock_round(const struct lg_opts *o, unsigned round);

/* scsi.c */
void scsi_usage(FILE *f);
/* dm.c: a device-mapper device that holds I/O while suspended. */
void dm_linear(const char *spec);
void dm_remove(const char *name);
void dm_suspend(const char *name, bool suspend);
void scsi_check_opts(const struct lg_opts *o, bool tx_set, bool rx_set);
void scsi_round(const struct lg_opts *o, unsigned round);

/* vsock_peer.c */
struct vsock_peer {
	int pid;                 /* the child holding the AF_VSOCK listener */
	int fd;                  /* pipe from it: ready byte, then its result */
	uint32_t port;
};
struct vsock_peer_result {
	uint64_t got;            /* bytes read from the guest */
	uint64_t bad;            /* of those, bytes not matching the pattern */
	uint64_t sent;           /* bytes written to the guest */
	int status;              /* the child's exit status (0: all done) */
};
uint8_t vsock_pattern(uint64_t offset, unsigned dir);
void vsock_peer_start(struct vsock_peer *p, uint32_t port, uint64_t expect,
		      uint64_t send);
void vsock_peer_finish(struct vsock_peer *p, struct vsock_peer_result *r);

#endif
