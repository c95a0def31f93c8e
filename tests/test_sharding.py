"""A population sharded over several (CPU) devices gives the single-device spikes."""

import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent('''
    import jax, numpy as np, brainstate, saiunit as u
    from jax.sharding import Mesh, NamedSharding, PartitionSpec as P
    import neuroplug.brainpy as nbp
    assert len(jax.devices()) == 4, jax.devices()

    def run(model, n, drive, mesh=None, steps=400):
        with brainstate.environ.context(dt=0.1 * u.ms):
            layer = getattr(nbp, model)(n)
            layer.init_state(batch_size=2)
            x = np.stack([drive, drive[::-1]])
            if mesh is not None:
                nbp.shard(layer, mesh)
                x = jax.device_put(x, NamedSharding(mesh, P(None, "neurons")))
                assert len(layer.v.value.mantissa.sharding.device_set) == 4
            step = brainstate.transform.jit(lambda x: brainstate.transform.for_loop(
                lambda i: layer.update(x * u.nA), np.arange(steps)))
            spikes = step(x)
            if mesh is not None:
                assert len(spikes.sharding.device_set) == 4, spikes.sharding
            return np.asarray(spikes), np.asarray(layer.v.value.to_decimal(u.mV))

    mesh = Mesh(np.array(jax.devices()), ("neurons",))
    for model, n in (("LIF", 4096), ("AdEx", 1024)):
        drive = np.linspace(0.2, 1.5, n)
        s1, v1 = run(model, n, drive)
        s4, v4 = run(model, n, drive, mesh)
        assert s1.sum() > 100, (model, s1.sum())
        assert np.array_equal(s1, s4), (model, (s1 != s4).sum())
        assert np.array_equal(v1, v4), model
        print(model, "spikes", int(s1.sum()), "identical on 1 and 4 devices")
''')


def test_sharded_population_equals_single_device():
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=4",
               JAX_PLATFORMS="cpu")
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "LIF spikes" in out.stdout and "AdEx spikes" in out.stdout, out.stdout


def test_shard_refuses_an_indivisible_population():
    script = textwrap.dedent('''
        import jax, numpy as np
        from jax.sharding import Mesh
        import neuroplug.brainpy as nbp
        from neuroplug.errors import InputError
        layer = nbp.LIF(10); layer.init_state()
        try:
            nbp.shard(layer, Mesh(np.array(jax.devices()), ("neurons",)))
        except InputError as exc:
            print("refused:", exc)
    ''')
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=4",
               JAX_PLATFORMS="cpu")
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                         text=True, timeout=300)
    assert "refused:" in out.stdout and "multiple of the 4 devices" in out.stdout, \
        out.stdout + out.stderr[-2000:]
