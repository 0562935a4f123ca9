"""Built-in optimizers (Adam, AdamW, RMSprop, SGD) and learning-rate schedules (constant, linear
decay, step, multi-step), registered like any third-party optimizer or schedule."""

from zoo.hookspecs import hookimpl


@hookimpl
def zoo_optimizers():
    from .optimizers import adam, adamw, rmsprop, sgd

    return {"adam": adam, "adamw": adamw, "rmsprop": rmsprop, "sgd": sgd}


@hookimpl
def zoo_lr_schedules():
    from .schedules import constant, linear, multistep, step

    return {"constant": constant, "linear": linear, "step": step, "multistep": multistep}
