// The CPU of the machine that packages and runs the local stage (LocalStack runs Lambda containers
// on this same Docker host): LocalStack pulls the runtime image for the function's architecture, and
// an arm64 image on an x86 host needs QEMU. The native Argon2 binary in the zip follows too (npmCpu).
// LOCAL_LAMBDA_ARCHITECTURE=arm64|x86_64 overrides it (for a Docker host other than this machine).
module.exports = () => {
  const forced = process.env.LOCAL_LAMBDA_ARCHITECTURE;
  const lambda =
    forced === 'arm64' || forced === 'x86_64' ? forced : process.arch === 'arm64' ? 'arm64' : 'x86_64';
  return { lambda, npmCpu: lambda === 'arm64' ? 'arm64' : 'x64' };
};
