#include <linux/module.h>
#define INCLUDE_VERMAGIC
#include <linux/build-salt.h>
#include <linux/elfnote-lto.h>
#include <linux/export-internal.h>
#include <linux/vermagic.h>
#include <linux/compiler.h>

BUILD_SALT;
BUILD_LTO_INFO;

MODULE_INFO(vermagic, VERMAGIC_STRING);
MODULE_INFO(name, KBUILD_MODNAME);

__visible struct module __this_module
__section(".gnu.linkonce.this_module") = {
	.name = KBUILD_MODNAME,
	.init = init_module,
#ifdef CONFIG_MODULE_UNLOAD
	.exit = cleanup_module,
#endif
	.arch = MODULE_ARCH_INIT,
};

#ifdef CONFIG_RETPOLINE
MODULE_INFO(retpoline, "Y");
#endif


static const struct modversion_info ____versions[]
__used __section("__versions") = {
	{ 0xd542439, "__ipv6_addr_type" },
	{ 0x91c14d8d, "param_ops_uint" },
	{ 0x8d522714, "__rcu_read_lock" },
	{ 0xffcbde5b, "genlmsg_put" },
	{ 0x37a0cba, "kfree" },
	{ 0xbdfb6dbb, "__fentry__" },
	{ 0x59c7a6b2, "register_pernet_subsys" },
	{ 0x92997ed8, "_printk" },
	{ 0xe6d2458e, "do_trace_netlink_extack" },
	{ 0xa19b956, "__stack_chk_fail" },
	{ 0xf0906b73, "netlink_broadcast" },
	{ 0x1eb9ab54, "__alloc_skb" },
	{ 0x68f31cbd, "__list_add_valid" },
	{ 0x2469810f, "__rcu_read_unlock" },
	{ 0xc9119dac, "netlink_unicast" },
	{ 0xed89811, "kfree_skb_reason" },
	{ 0x4dfa8d4b, "mutex_lock" },
	{ 0x1468be11, "nla_put" },
	{ 0xe1537255, "__list_del_entry_valid" },
	{ 0xcefb0c9f, "__mutex_init" },
	{ 0xf44ea91, "unregister_pernet_subsys" },
	{ 0x5b8239ca, "__x86_return_thunk" },
	{ 0xf1db1704, "nla_memcpy" },
	{ 0x77c2be96, "skb_trim" },
	{ 0x28aa6a67, "call_rcu" },
	{ 0x3213f038, "mutex_unlock" },
	{ 0xd36dc10c, "get_random_u32" },
	{ 0xab93a5c2, "genl_unregister_family" },
	{ 0x606e9d01, "kmalloc_trace" },
	{ 0x60a13e90, "rcu_barrier" },
	{ 0x581e2394, "__nla_parse" },
	{ 0x9ec07055, "genl_register_family" },
	{ 0xe784202e, "netlink_has_listeners" },
	{ 0x7a7caba8, "kmalloc_caches" },
	{ 0x9060323f, "module_layout" },
};

MODULE_INFO(depends, "");

