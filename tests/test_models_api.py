"""Models as objects: inputs/outputs, layers, get_layer, weights, summary, predictions."""

import io

import numpy as np
import pytest

from kerasque.engine.functional import graph_arguments
from kerasque.layers import Concatenate, Dense, Dropout, Input
from kerasque.models import Model, Sequential
from kerasque.utils import print_summary


def _two_input_model():
    a, b = Input(shape=(3,), name="a"), Input(shape=(4,), name="b")
    merged = Concatenate(name="cat")([Dense(2, name="da")(a), Dense(2, name="db")(b)])
    return Model(inputs=[a, b], outputs=Dense(1, name="out")(merged), name="two")


def test_model_inputs_outputs_and_their_shapes():
    model = _two_input_model()
    assert [t.shape for t in model.inputs] == [(None, 3), (None, 4)]
    assert model.input == model.inputs and model.output is model.outputs[0]
    assert model.input_shape == [(None, 3), (None, 4)]
    assert model.output_shape == (None, 1)


def test_keras2_input_and_output_keywords_resolve_to_the_graph_ends():
    x = Input(shape=(2,))
    y = Dense(1)(x)
    assert graph_arguments(None, None, {"input": x, "output": y}) == (x, y)
    with pytest.raises(TypeError, match=r"pass inputs= or input=, not both"):
        graph_arguments(x, None, {"input": x, "output": y})
    with pytest.raises(TypeError, match=r"'ouputs'. Did you mean 'outputs'"):
        graph_arguments(x, None, {"ouputs": y})


def test_layers_and_get_layer_by_name_and_index():
    model = _two_input_model()
    names = [layer.name for layer in model.layers]
    assert set(names) == {"a", "b", "da", "db", "cat", "out"}
    assert model.get_layer("cat").name == "cat"
    assert model.get_layer(index=-1).name == "out"
    assert model.get_layer(name=None, index=0) is model.layers[0]
    with pytest.raises(ValueError, match=r"has no layer 'nope'"):
        model.get_layer("nope")
    with pytest.raises(ValueError, match=r"index 9, but model 'two' has 6 layers"):
        model.get_layer(index=9)
    with pytest.raises(ValueError, match=r"provide a layer name= or index="):
        model.get_layer()
    with pytest.raises(TypeError, match=r"name must be a string, received \{"):
        model.get_layer({"name": "cat"})


def test_weights_trainable_and_non_trainable_weights_and_count_params():
    model = _two_input_model()
    assert len(model.weights) == 6 and len(model.trainable_weights) == 6
    model.get_layer("da").trainable = False
    assert len(model.trainable_weights) == 4 and len(model.non_trainable_weights) == 2
    assert model.count_params() == (3 * 2 + 2) + (4 * 2 + 2) + (4 + 1)


def test_losses_of_a_model_are_its_layers_weight_penalties():
    x = Input(shape=(3,))
    model = Model(x, Dense(2, kernel_regularizer="l2")(Dense(3)(x)))
    assert len(model.losses) == 1 and model.updates == []


def test_summary_of_a_graph_shows_connections_as_keras_does():
    lines = []
    _two_input_model().summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "Connected to" in text and "cat (Concatenate)" in text
    assert "da[0][0]" in text and "db[0][0]" in text
    assert "Total params: 23" in text


def test_print_summary_takes_line_length_and_positions():
    model = Sequential([Dense(4, input_shape=(2,), name="d1"), Dropout(0.5), Dense(1)])
    out = io.StringIO()
    print_summary(
        model,
        line_length=50,
        positions=[0.5, 0.8, 1.0],
        print_fn=lambda line: out.write(line + "\n"),
    )
    lines = out.getvalue().splitlines()
    assert lines[1] == "_" * 50 and "Connected to" not in out.getvalue()
    assert lines[4].startswith("d1 (Dense)") and lines[4].rstrip().endswith("12")
    with pytest.raises(ValueError, match=r"positions needs 3 column ends"):
        print_summary(model, positions=[0.5, 1.0])


def test_predict_classes_takes_the_argmax_or_thresholds_one_unit():
    softmax = Sequential([Dense(3, activation="softmax", input_shape=(2,))])
    x = np.random.rand(5, 2).astype("float32")
    np.testing.assert_array_equal(softmax.predict_classes(x), softmax.predict(x).argmax(-1))
    sigmoid = Sequential([Dense(1, activation="sigmoid", input_shape=(2,))])
    p = sigmoid.predict(x)
    np.testing.assert_array_equal(sigmoid.predict_classes(x), (p > 0.5).astype("int32"))
    assert sigmoid.predict_classes(x).dtype == np.int32
    np.testing.assert_array_equal(sigmoid.predict_proba(x), p)


def test_predict_proba_warns_when_outputs_are_not_probabilities():
    model = Sequential(
        [Dense(2, input_shape=(2,), kernel_initializer="ones", bias_initializer="ones")]
    )
    with pytest.warns(UserWarning, match=r"returns values outside \[0, 1\]"):
        model.predict_proba(np.full((2, 2), 3.0, "float32"))


def test_a_model_nests_as_a_layer_and_reports_its_own_ends():
    inner = Sequential([Dense(3, input_shape=(4,))])
    x = Input(shape=(4,))
    outer = Model(x, Dense(1)(inner(x)))
    assert inner.input_shape == (None, 4) and inner.output_shape == (None, 3)
    assert outer.count_params() == 4 * 3 + 3 + 3 + 1
    assert inner in outer.layers


def test_keras2_graph_bookkeeping_names():
    from kerasque.engine import get_source_inputs

    a, b = Input(shape=(32,), name="ka"), Input(shape=(32,), name="kb")
    dense = Dense(16, name="kd")
    a2, b2 = dense(a), dense(b)
    assert a._keras_shape == (None, 32)
    layer, node_index, tensor_index = b2._keras_history
    assert layer is dense and node_index == 1 and tensor_index == 0
    node = dense._inbound_nodes[1]
    assert node.outbound_layer is dense and node.inbound_layers == [b.node.layer]
    assert node.input_tensors == [b] and node.output_shapes == [(None, 16)]
    assert node.get_config()["inbound_layers"] == ["kb"]
    assert len(a.node.layer._outbound_nodes) == 1
    merged = Concatenate(name="km")([a2, b2])
    c = Dense(4, name="kc")(merged)
    assert get_source_inputs(c) == [a, b]
    model = Model([a, b], [c, merged])
    assert [l.name for l in model._input_layers] == ["ka", "kb"]
    assert [l.name for l in model._output_layers] == ["kc", "km"]
    assert model.compute_output_shape([(10, 32), (10, 32)]) == [(10, 4), (10, 32)]
    assert model.compute_mask([a, b], [None, None]) == [None, None]


def test_uses_learning_phase_follows_dropout_unless_training_is_fixed():
    a = Input(shape=(3,))
    assert not Dense(2)(a)._uses_learning_phase
    dropped = Dropout(0.5)(a)
    assert dropped._uses_learning_phase
    assert Model(a, Dense(1)(dropped)).uses_learning_phase
    assert not Dropout(0.5)(a, training=True)._uses_learning_phase


def test_bad_graph_ends_are_refused_as_keras_does():
    a, b = Input(shape=(3,)), Input(shape=(3,))
    out = Concatenate()([a, b])
    with pytest.raises(ValueError, match=r"appears more than once among the inputs"):
        Model([a, b, a], out)
    with pytest.raises(ValueError, match=r"must be symbolic tensors"):
        Model([a, b], [out, 0])
    with pytest.raises(TypeError, match=r"must be symbolic tensors"):
        Model([a, b], [out, 0])
    with pytest.raises(ValueError, match=r"every input must come from Input"):
        Model([Dense(3)(a), b], out)


def test_layers_are_listed_deepest_first_with_inputs_first():
    a, b = Input(shape=(3,), name="la"), Input(shape=(3,), name="lb")
    shared = Dense(3, name="ls")
    merged = Concatenate(name="lm")([shared(a), shared(b)])
    model = Model([a, b], Dense(1, name="lo")(Dense(2, name="lh")(merged)))
    names = [layer.name for layer in model.layers]
    assert set(names[:2]) == {"la", "lb"} and names[2:] == ["ls", "lm", "lh", "lo"]


def test_masks_of_symbolic_calls_are_none_as_for_unmasked_keras_calls():
    a = Input(shape=(3,))
    layer = Dense(2)
    layer(a)
    assert layer.input_mask is None and layer.output_mask is None
    assert layer.get_output_mask_at(0) is None
    assert a.node.input_masks == [None] and a.node.output_masks == [None]


def test_a_model_pickles_and_predicts_the_same():
    import pickle

    model = Sequential([Dense(2, input_shape=(3,)), Dense(1)])
    x = np.ones((2, 3), "float32")
    copy = pickle.loads(pickle.dumps(model))
    np.testing.assert_allclose(copy.predict(x), model.predict(x), rtol=1e-6)


def test_keras_top_level_names():
    import kerasque as keras

    x = keras.Input(shape=(2,))
    model = keras.Model(x, keras.layers.Dense(1)(x))
    assert isinstance(model, Model) and keras.Sequential is Sequential


def test_keras2_input_and_output_keywords_build_a_model():
    from kerasque.layers import Dense, Input
    from kerasque.models import Model

    x = Input(shape=(3,))
    model = Model(input=x, output=Dense(2)(x))
    assert model.output_shape == (None, 2)
    import pytest

    with pytest.raises(TypeError, match="pass inputs= or input=, not both"):
        Model(inputs=x, input=x, outputs=model.outputs[0])


def test_save_with_overwrite_false_refuses_an_existing_file(tmp_path):
    import pytest

    from kerasque.layers import Dense
    from kerasque.models import Sequential

    model = Sequential([Dense(2, input_shape=(3,))])
    path = tmp_path / "w.h5"
    model.save_weights(path)
    before = path.read_bytes()
    with pytest.raises(FileExistsError, match="overwrite=False"):
        model.save_weights(path, overwrite=False)
    assert path.read_bytes() == before
