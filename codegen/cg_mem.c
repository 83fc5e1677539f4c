/* Reads of kernel and user memory through the probe-read helpers: every
 * hop of a pointer chain (curtask->real_parent->pid) is one read. */
#include "codegen/codegen.h"

void cg_probe_read(struct codegen *cg, LLVMValueRef dst, uint32_t size, LLVMValueRef addr,
		   bool user)
{
	if (LLVMTypeOf(addr) != cg->ptr)
		addr = LLVMBuildIntToPtr(cg->b, addr, cg->ptr, "src");
	LLVMValueRef args[] = {dst, LLVMConstInt(cg->i32, size, 0), addr};
	cg_helper(cg, user ? BPF_FUNC_probe_read_user : BPF_FUNC_probe_read_kernel, cg->i64,
		  args, 3);
}

LLVMValueRef cg_read_int(struct codegen *cg, LLVMValueRef addr, uint32_t size, bool is_signed,
			 bool user)
{
	/* a failed read leaves zero, as bpftrace's reads do */
	LLVMValueRef tmp = cg_alloca(cg, cg->i64, "rd");
	LLVMBuildStore(cg->b, cg_const(cg, 0), tmp);
	cg_probe_read(cg, tmp, size, addr, user);
	return cg_load_int(cg, tmp, size, is_signed);
}

LLVMValueRef cg_read_bitfield(struct codegen *cg, LLVMValueRef addr, uint32_t bit_offset,
			      uint32_t bits, bool is_signed, bool user)
{
	/* the bytes holding the field, then shift and mask (little-endian) */
	uint32_t first = bit_offset / 8, shift = bit_offset % 8;
	uint32_t nbytes = (shift + bits + 7) / 8;
	if (nbytes > 8)
		nbytes = 8;
	LLVMValueRef tmp = cg_alloca(cg, cg->i64, "bf");
	LLVMBuildStore(cg->b, cg_const(cg, 0), tmp);
	LLVMValueRef at = LLVMBuildAdd(cg->b, addr, cg_const(cg, first), "");
	cg_probe_read(cg, tmp, nbytes, at, user);
	LLVMValueRef v = LLVMBuildLoad2(cg->b, cg->i64, tmp, "");
	/* move the field to the top, then back down with the right sign */
	uint32_t up = 64 - shift - bits;
	if (up)
		v = LLVMBuildShl(cg->b, v, cg_const(cg, up), "");
	return is_signed ? LLVMBuildAShr(cg->b, v, cg_const(cg, 64 - bits), "")
			 : LLVMBuildLShr(cg->b, v, cg_const(cg, 64 - bits), "");
}
