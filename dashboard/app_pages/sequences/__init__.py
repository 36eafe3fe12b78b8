"""The EM on sequences page: hidden Markov models fitted by Baum-Welch."""
