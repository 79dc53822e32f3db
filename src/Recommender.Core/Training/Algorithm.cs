namespace Recommender.Core.Training;

/// <summary>The factorization algorithms. All serve through the prediction rule of <see cref="Model.FactorModel"/>.</summary>
public enum Algorithm
{
    /// <summary>
    /// Biased matrix factorization by stochastic gradient descent (Funk 2006; Koren, Bell &amp; Volinsky 2009):
    /// r̂ = μ + b_u + b_i + p_u·q_i, ratings visited in a fresh seeded order each epoch. The default.
    /// </summary>
    BiasedSgd = 0,

    /// <summary>
    /// The same biased model fitted by alternating least squares with weighted-λ regularization
    /// (Zhou et al. 2008): every user row, then every item row, is the closed-form ridge solution.
    /// </summary>
    Als = 1,

    /// <summary>
    /// The seed notebook's algorithm exactly: no biases, r̂ = u·v, N(0, 1/k) initialisation, known ratings in
    /// dataset order, u += α(2e·v − λu) then v += α(2e·u − λv) with the updated u.
    /// </summary>
    Notebook = 2,

    /// <summary>
    /// Bayesian matrix factorization of the biased model by Gibbs sampling with Normal–Wishart hyperpriors
    /// (Salakhutdinov &amp; Mnih 2008): the prediction is the average over posterior samples, stored side by side so
    /// that the model's rule stays μ + b_u + b_i + p_u·q_i. See <c>BayesianTrainer</c>.
    /// </summary>
    Bayesian = 3,

    /// <summary>
    /// SVD++ (Koren 2008) by stochastic gradient descent: r̂ = μ + b_u + b_i + q_i·(p_u + |N(u)|^−½ Σ_{j∈N(u)} y_j),
    /// N(u) the items u rated. The model stores each user's effective vector as their row, and y for fold-in.
    /// </summary>
    SvdPlusPlus = 4,

    /// <summary>
    /// The equal-weight mean of other biased models' predictions (by default the Bayesian sampler's and SVD++'s, each
    /// at its own defaults), trained one after the other on the same ratings. The parts' rows are stored side by side,
    /// scaled by √(1/P) for P parts, so the blend serves through the same rule: r̂ = μ + b_u + b_i + p_u·q_i with
    /// averaged biases is exactly the mean of the parts' scores. See <c>BlendTrainer</c>.
    /// </summary>
    Blend = 5,
}
