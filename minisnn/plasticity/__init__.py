"""Local learning: spike-timing-dependent plasticity, plain NumPy, no autodiff (each synapse sees only its two
neurons' spikes, through traces).

* :mod:`~minisnn.plasticity.traces` -- exponential spike traces (exact and Euler decay; all-to-all or nearest pairing);
* :mod:`~minisnn.plasticity.stdp` -- pair-based STDP online with traces (:class:`STDPParams`), its closed-form
  learning window (:func:`learning_window`) and the pair-sum loop that the tests hold it to;
* :mod:`~minisnn.plasticity.competition` -- winner-take-all lateral inhibition and adaptive thresholds;
* :mod:`~minisnn.plasticity.diehl_cook` -- unsupervised feature learning on the digits after Diehl & Cook (2015);
* :mod:`~minisnn.plasticity.readout` -- a linear (softmax) read-out on fixed features, for a fair comparison.
"""

from minisnn.plasticity.competition import (
    threshold_closed_form,
    threshold_decay,
    update_threshold,
    winner_take_all,
    winner_take_all_loop,
)
from minisnn.plasticity.diehl_cook import DiehlCookConfig, DiehlCookNetwork, assign_labels, vote
from minisnn.plasticity.readout import LinearReadout, fit_readout
from minisnn.plasticity.stdp import (
    BOUNDS,
    STDPParams,
    STDPState,
    learning_window,
    pair_sum_reference,
    run_stdp,
)
from minisnn.plasticity.traces import (
    PAIRINGS,
    TRACE_METHODS,
    run_trace,
    trace_closed_form,
    trace_decay,
    update_trace,
)

__all__ = [
    "BOUNDS",
    "PAIRINGS",
    "TRACE_METHODS",
    "DiehlCookConfig",
    "DiehlCookNetwork",
    "LinearReadout",
    "STDPParams",
    "STDPState",
    "assign_labels",
    "fit_readout",
    "learning_window",
    "pair_sum_reference",
    "run_stdp",
    "run_trace",
    "threshold_closed_form",
    "threshold_decay",
    "trace_closed_form",
    "trace_decay",
    "update_threshold",
    "update_trace",
    "vote",
    "winner_take_all",
    "winner_take_all_loop",
]
