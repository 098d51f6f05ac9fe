// build_cuda (tessera/build_cuda.h).
#include "tessera/build_cuda.h"

#include "lower/split_host_device.h"

namespace tessera {

void CudaKernel::operator()(const std::vector<KernelArgValue>& args, cuda::Stream stream) const {
  PackedArgs packed(args);
  if (call(packed.values.data(), packed.codes.data(), static_cast<int32_t>(args.size()), stream) != 0)
    throw KernelError(tessera_last_error());
}

CudaKernel build_cuda(const schedule::Schedule& sched, const std::vector<lower::Arg>& args,
                      const std::string& name, const CudaBuildOptions& options) {
  lower::LowerOptions lo = options.lower;
  lo.device_type = kDLCUDA;
  lo.target = "cuda";
  ir::LoweredFunc func = lower::lower(sched, args, name, lo);
  lower::HostDeviceSplit split = lower::split_host_device(func);
  std::string source = codegen::emit_cuda({split.device});
  codegen::CudaBinary binary = codegen::compile_cuda(source, options.target, name + ".cu");
  std::shared_ptr<codegen::JitModule> host = codegen::jit_compile({split.host}, options.host);
  TesseraKernelFn fn = host->lookup(split.host.name);
  if (!fn) throw std::runtime_error("build_cuda: host function " + split.host.name + " missing from its JIT module");
  auto device = std::make_shared<cuda::DeviceKernel>(name, fn, std::move(binary.cubin), std::move(binary.ptx),
                                                     static_cast<int>(split.device.params.size()));
  return CudaKernel(std::move(func), std::move(source), std::move(host), std::move(device));
}

}  // namespace tessera
