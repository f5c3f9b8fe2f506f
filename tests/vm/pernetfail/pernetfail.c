// SPDX-License-Identifier: GPL-2.0
/*
 * pernetfail - a test-only module: hold the next network namespace to be
 * created half set up, with a TCP listener in it, then make its setup
 * fail (tests/vm/hardening.sh).
 *
 * Its pernet init is a device one, so it runs after every subsystem's
 * (tcpstat's included) and before the namespace is published on
 * net_namespace_list. The parameters:
 *   arm=1      the next namespace set up blocks in this init
 *   state      "idle", or "blocked <inode>" while one is held
 *   release=1  the held one's setup fails with -ENOMEM
 *   port       the held namespace's listener's port (default 4242)
 * A held namespace is released after 60 s anyway.
 */
#include <linux/atomic.h>
#include <linux/in.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/net.h>
#include <linux/wait.h>
#include <net/net_namespace.h>
#include <net/sock.h>

static atomic_t pernetfail_armed = ATOMIC_INIT(0);
static bool pernetfail_released;
static unsigned int pernetfail_inum;	/* of the held namespace, or 0 */
static DECLARE_WAIT_QUEUE_HEAD(pernetfail_wq);

static ushort pernetfail_port = 4242;
module_param_named(port, pernetfail_port, ushort, 0644);
MODULE_PARM_DESC(port, "The held namespace's listener's port");

static int pernetfail_arm_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int err;

	err = kstrtobool(val, &on);
	if (err)
		return err;
	atomic_set(&pernetfail_armed, on);
	return 0;
}

static const struct kernel_param_ops pernetfail_arm_ops = {
	.set = pernetfail_arm_set,
};

module_param_cb(arm, &pernetfail_arm_ops, NULL, 0200);

static int pernetfail_release_set(const char *val, const struct kernel_param *kp)
{
	WRITE_ONCE(pernetfail_released, true);
	wake_up(&pernetfail_wq);
	return 0;
}

static const struct kernel_param_ops pernetfail_release_ops = {
	.set = pernetfail_release_set,
};

module_param_cb(release, &pernetfail_release_ops, NULL, 0200);

static int pernetfail_state_get(char *buffer, const struct kernel_param *kp)
{
	unsigned int inum = READ_ONCE(pernetfail_inum);

	if (!inum)
		return sysfs_emit(buffer, "idle\n");
	return sysfs_emit(buffer, "blocked %u\n", inum);
}

static const struct kernel_param_ops pernetfail_state_ops = {
	.get = pernetfail_state_get,
};

module_param_cb(state, &pernetfail_state_ops, NULL, 0444);

static int __net_init pernetfail_net_init(struct net *net)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	struct socket *sock;
	int err;

	if (atomic_cmpxchg(&pernetfail_armed, 1, 0) != 1)
		return 0;
	err = sock_create_kern(net, AF_INET, SOCK_STREAM, IPPROTO_TCP, &sock);
	if (err)
		return err;
	sin.sin_port = htons(pernetfail_port);
	/* (void *): the address type of kernel_bind() changed in 6.19 */
	err = kernel_bind(sock, (void *)&sin, sizeof(sin));
	if (!err)
		err = kernel_listen(sock, 8);
	if (!err) {
		WRITE_ONCE(pernetfail_released, false);
		WRITE_ONCE(pernetfail_inum, net->ns.inum);
		wait_event_timeout(pernetfail_wq, READ_ONCE(pernetfail_released), 60 * HZ);
		WRITE_ONCE(pernetfail_inum, 0);
		err = -ENOMEM;
	}
	sock_release(sock);
	return err;
}

static struct pernet_operations pernetfail_net_ops = {
	.init = pernetfail_net_init,
};

static int __init pernetfail_init(void)
{
	return register_pernet_device(&pernetfail_net_ops);
}

static void __exit pernetfail_exit(void)
{
	unregister_pernet_device(&pernetfail_net_ops);
}

module_init(pernetfail_init);
module_exit(pernetfail_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("tcpstat test: a network namespace held half set up, then failed");
